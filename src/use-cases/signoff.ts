import { appendAudit, bumpRevision, getReleaseById, updateRelease, type ReleaseRow } from '../db/releases.js';
import { deleteVote, findVote, listVotes, upsertVote } from '../db/votes.js';
import type { Reader, Tx } from '../db/database.js';
import { copyCandidate } from '../db/candidate.js';
import { AppError } from '../domain/errors.js';
import { describeState, isFrozen, nextState, staleRevisionProblem } from '../domain/release.js';
import {
  describeMissingSignoff,
  tallySignoff,
  type SignoffTally,
  type VoteDecision,
} from '../domain/signoff.js';
import {
  releaseRef,
  type Actor,
  type LifecycleDeps,
  type Notice,
  type Outbox,
  type VoteNotice,
} from './ports.js';

export const REJECT_REASON_MAX = 1000;

/** Where a person finds the announcement to vote on, as Slack mrkdwn. */
function whereToVote(release: ReleaseRow): string {
  if (release.announcementPermalink) return `<${release.announcementPermalink}|the current announcement>`;
  if (release.announcementChannel) return `the announcement in <#${release.announcementChannel}>`;
  return `\`/release status ${release.version}\``;
}

/**
 * The release a vote is for, if votes are open and the vote was given on the current revision. A button
 * or form from an older announcement is refused rather than counted for a candidate its voter never saw.
 */
async function requireOpenForVotes(
  db: Reader,
  releaseId: number,
  revision: number | undefined,
): Promise<ReleaseRow> {
  const release = await getReleaseById(db, releaseId);
  if (!release) throw new AppError('not_found', 'That release no longer exists.');
  if (!isFrozen(release.state)) {
    throw new AppError(
      'illegal_transition',
      `${release.version} is ${describeState(release.state)} now, so sign-off votes are closed. \`/release status ${release.version}\` shows where it stands.`,
    );
  }
  const stale = revision === undefined ? undefined : staleRevisionProblem(revision, release.revision);
  if (stale) {
    throw new AppError(
      'conflict',
      `${stale} of ${release.version}: nothing was recorded. Review the current candidate and vote on ${whereToVote(release)}.`,
    );
  }
  return release;
}

/** Refuses a vote from a stale button or a closed release before anything else happens (no Slack call). */
export function checkVotable(
  deps: Pick<LifecycleDeps, 'store'>,
  releaseId: number,
  revision: number,
): Promise<ReleaseRow> {
  return requireOpenForVotes(deps.store, releaseId, revision);
}

/** The required roles the user belongs to; refuses users in none of them. */
export async function signoffRolesOf(
  deps: Pick<LifecycleDeps, 'store' | 'access'>,
  userId: string,
  releaseId: number,
  revision?: number,
): Promise<string[]> {
  const release = await requireOpenForVotes(deps.store, releaseId, revision);
  const roles: string[] = [];
  for (const role of release.requiredRoles ?? []) {
    if (await deps.access.isAmong(userId, role.members)) roles.push(role.name);
  }
  if (roles.length === 0) {
    throw new AppError('forbidden', `You are not a sign-off member for ${release.version}.`);
  }
  return roles;
}

async function tallyOf(tx: Reader, release: ReleaseRow): Promise<SignoffTally> {
  return tallySignoff(release.requiredRoles ?? [], await listVotes(tx, release.id), release.revision);
}

/**
 * After any change that can complete or break the tally: a complete tally signs the release off, an
 * incomplete one takes a signed-off release back to frozen.
 */
async function settleSignoff(
  tx: Tx,
  outbox: Outbox,
  release: ReleaseRow,
  actor: string,
  at: Date,
): Promise<ReleaseRow> {
  const complete = (await tallyOf(tx, release)).complete;
  const transition =
    complete && release.state === 'frozen'
      ? 'sign_off'
      : !complete && release.state === 'signed_off'
        ? 'revoke_sign_off'
        : undefined;
  if (!transition) return release;
  const to = nextState(release.version, release.state, transition);
  const updated = await updateRelease(tx, release, { state: to, updatedAt: at });
  await appendAudit(tx, {
    releaseId: release.id,
    actor,
    action: transition === 'sign_off' ? 'release_signed_off' : 'release_sign_off_revoked',
    fromState: release.state,
    toState: to,
    at,
  });
  const notice: Notice =
    transition === 'sign_off'
      ? { kind: 'release_signed_off', release: releaseRef(updated) }
      : { kind: 'release_sign_off_revoked', release: releaseRef(updated), actor };
  await outbox.enqueue(tx, notice);
  return updated;
}

/** After a vote was stored or removed: say so, then settle the release's state. */
async function voteChanged(
  tx: Tx,
  outbox: Outbox,
  release: ReleaseRow,
  actor: string,
  at: Date,
  vote: VoteNotice,
): Promise<ReleaseRow> {
  await outbox.enqueue(tx, { kind: 'vote_recorded', release: releaseRef(release), actor, vote });
  return settleSignoff(tx, outbox, release, actor, at);
}

/**
 * Votes on one release are taken in turn: each reads the whole tally it completes or breaks, so a storm of
 * approvals would otherwise fail serialization again and again on PostgreSQL (SQLite takes every unit of
 * work in turn anyway).
 */
function inTurnOnRelease(releaseId: number): { inTurnOn: string } {
  return { inTurnOn: `release:${releaseId}` };
}

export interface VoteOutcome {
  release: ReleaseRow;
  changed: boolean;
}

export async function recordVote(
  deps: LifecycleDeps,
  actor: Actor,
  input: { releaseId: number; revision: number; decision: VoteDecision; reason?: string },
): Promise<VoteOutcome> {
  const reason = input.decision === 'reject' ? (input.reason ?? '').trim() : null;
  if (input.decision === 'reject' && (!reason || reason.length > REJECT_REASON_MAX)) {
    throw new AppError(
      'invalid_input',
      `A rejection needs a reason of 1 to ${REJECT_REASON_MAX} characters.`,
    );
  }
  const roles = await signoffRolesOf(deps, actor.userId, input.releaseId, input.revision);
  const at = deps.clock.now();
  return deps.store.transaction(async (tx) => {
    const current = await requireOpenForVotes(tx, input.releaseId, input.revision);
    const previous = await findVote(tx, current.id, current.revision, actor.userId);
    if (previous?.decision === input.decision && previous.reason === reason) {
      return { release: current, changed: false };
    }
    await upsertVote(tx, {
      releaseId: current.id,
      revision: current.revision,
      voter: actor.userId,
      decision: input.decision,
      reason,
      roles,
      at,
    });
    await appendAudit(tx, {
      releaseId: current.id,
      actor: actor.userId,
      action: input.decision === 'approve' ? 'vote_approved' : 'vote_rejected',
      detail: `revision ${current.revision}, roles ${roles.join(', ')}${reason ? `: ${reason}` : ''}`,
      at,
    });
    const release = await voteChanged(tx, deps.outbox, current, actor.userId, at, {
      decision: input.decision,
      roles,
      reason,
    });
    return { release, changed: true };
  }, inTurnOnRelease(input.releaseId));
}

export function withdrawVote(
  deps: LifecycleDeps,
  actor: Actor,
  input: { releaseId: number; revision: number },
): Promise<VoteOutcome> {
  const at = deps.clock.now();
  return deps.store.transaction(async (tx) => {
    const current = await requireOpenForVotes(tx, input.releaseId, input.revision);
    if (!(await deleteVote(tx, current.id, current.revision, actor.userId))) {
      throw new AppError('not_found', `You have no current vote on ${current.version} to withdraw.`);
    }
    await appendAudit(tx, {
      releaseId: current.id,
      actor: actor.userId,
      action: 'vote_withdrawn',
      detail: `revision ${current.revision}`,
      at,
    });
    const release = await voteChanged(tx, deps.outbox, current, actor.userId, at, {
      decision: 'withdrawn',
      roles: [],
      reason: null,
    });
    return { release, changed: true };
  }, inTurnOnRelease(input.releaseId));
}

/**
 * Inside the caller's transaction: the candidate changed (a fix was let through the freeze), so the
 * revision goes up, every vote given so far goes stale, and its voters are told.
 */
export async function bumpCandidateRevisionIn(
  tx: Tx,
  outbox: Outbox,
  current: ReleaseRow,
  input: { actor: string; cause: string; at: Date },
): Promise<ReleaseRow> {
  if (!isFrozen(current.state)) {
    throw new AppError('illegal_transition', 'Only a frozen release has a candidate revision to bump.');
  }
  const staleVoters = (await listVotes(tx, current.id))
    .filter((v) => v.revision === current.revision)
    .map((v) => v.voter);
  const revision = await bumpRevision(tx, current.id, input.at);
  await copyCandidate(tx, current.id, current.revision, revision);
  await appendAudit(tx, {
    releaseId: current.id,
    actor: input.actor,
    action: 'revision_bumped',
    detail: `revision ${revision}: ${input.cause}`,
    at: input.at,
  });
  const bumped = { ...current, revision };
  await outbox.enqueue(tx, {
    kind: 'revision_bumped',
    release: releaseRef(bumped),
    cause: input.cause,
    staleVoters,
  });
  return settleSignoff(tx, outbox, bumped, input.actor, input.at);
}

export function bumpCandidateRevision(
  deps: Pick<LifecycleDeps, 'store' | 'clock' | 'outbox'>,
  actor: Actor,
  input: { releaseId: number; cause: string },
): Promise<ReleaseRow> {
  const at = deps.clock.now();
  return deps.store.transaction(async (tx) => {
    const current = await getReleaseById(tx, input.releaseId);
    if (!current) throw new AppError('not_found', 'That release no longer exists.');
    return bumpCandidateRevisionIn(tx, deps.outbox, current, { actor: actor.userId, cause: input.cause, at });
  });
}

/** Why the release cannot ship yet, naming the missing roles and standing rejections. */
export async function explainNotShippable(db: Reader, release: ReleaseRow): Promise<string> {
  if (release.state !== 'frozen') {
    return `${release.version} is ${describeState(release.state)}; only a signed-off release can ship.`;
  }
  const missing = describeMissingSignoff(await tallyOf(db, release));
  return `${release.version} is not signed off yet: ${missing ?? 'sign-off is incomplete'}.`;
}
