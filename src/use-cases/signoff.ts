import { appendAudit, bumpRevision, getReleaseById, updateRelease, type ReleaseRow } from '../db/releases.js';
import { deleteVote, findVote, listVotes, upsertVote } from '../db/votes.js';
import type { Reader, Tx } from '../db/database.js';
import { AppError } from '../domain/errors.js';
import { describeState, isFrozen, nextState } from '../domain/release.js';
import {
  describeMissingSignoff,
  tallySignoff,
  type SignoffTally,
  type VoteDecision,
} from '../domain/signoff.js';
import type { LifecycleDeps } from './release-lifecycle.js';
import type { Actor, ReleaseEvent } from './ports.js';

export const REJECT_REASON_MAX = 1000;

function requireOpenForVotes(db: Reader, releaseId: number): ReleaseRow {
  const release = getReleaseById(db, releaseId);
  if (!release) throw new AppError('not_found', 'That release no longer exists.');
  if (!isFrozen(release.state)) {
    throw new AppError(
      'illegal_transition',
      `${release.version} is ${describeState(release.state)} now, so sign-off votes are closed. \`/release status ${release.version}\` shows where it stands.`,
    );
  }
  return release;
}

/** The required roles the user belongs to; refuses users in none of them. */
export async function signoffRolesOf(
  deps: LifecycleDeps,
  userId: string,
  releaseId: number,
): Promise<string[]> {
  const release = requireOpenForVotes(deps.db, releaseId);
  const roles: string[] = [];
  for (const role of release.requiredRoles ?? []) {
    if (await deps.access.isAmong(userId, role.members)) roles.push(role.name);
  }
  if (roles.length === 0) {
    throw new AppError('forbidden', `You are not a sign-off member for ${release.version}.`);
  }
  return roles;
}

function tallyOf(tx: Reader, release: ReleaseRow): SignoffTally {
  return tallySignoff(release.requiredRoles ?? [], listVotes(tx, release.id), release.revision);
}

/**
 * After any vote change: a complete tally signs the release off, an incomplete one takes a signed-off
 * release back to frozen.
 */
function settleSignoff(
  tx: Tx,
  release: ReleaseRow,
  actor: string,
  at: Date,
): { release: ReleaseRow; event?: ReleaseEvent } {
  const complete = tallyOf(tx, release).complete;
  const transition =
    complete && release.state === 'frozen'
      ? 'sign_off'
      : !complete && release.state === 'signed_off'
        ? 'revoke_sign_off'
        : undefined;
  if (!transition) return { release };
  const to = nextState(release.version, release.state, transition);
  const updated = updateRelease(tx, release, { state: to, updatedAt: at });
  appendAudit(tx, {
    releaseId: release.id,
    actor,
    action: transition === 'sign_off' ? 'release_signed_off' : 'release_sign_off_revoked',
    fromState: release.state,
    toState: to,
    at,
  });
  return {
    release: updated,
    event:
      transition === 'sign_off'
        ? { kind: 'release_signed_off', release: updated }
        : { kind: 'release_sign_off_revoked', release: updated, actor },
  };
}

type RecordedVote = Extract<ReleaseEvent, { kind: 'vote_recorded' }>['vote'];

/** After a vote was stored or removed: settle the release's state and say what people must hear. */
function voteChanged(
  tx: Tx,
  release: ReleaseRow,
  actor: string,
  at: Date,
  vote: RecordedVote,
): { release: ReleaseRow; changed: true; events: ReleaseEvent[] } {
  const settled = settleSignoff(tx, release, actor, at);
  const events: ReleaseEvent[] = [{ kind: 'vote_recorded', release: settled.release, actor, vote }];
  if (settled.event) events.push(settled.event);
  return { release: settled.release, changed: true, events };
}

export interface VoteOutcome {
  release: ReleaseRow;
  changed: boolean;
}

export async function recordVote(
  deps: LifecycleDeps,
  actor: Actor,
  input: { releaseId: number; decision: VoteDecision; reason?: string },
): Promise<VoteOutcome> {
  const reason = input.decision === 'reject' ? (input.reason ?? '').trim() : null;
  if (input.decision === 'reject' && (!reason || reason.length > REJECT_REASON_MAX)) {
    throw new AppError(
      'invalid_input',
      `A rejection needs a reason of 1 to ${REJECT_REASON_MAX} characters.`,
    );
  }
  const roles = await signoffRolesOf(deps, actor.userId, input.releaseId);
  const at = deps.clock.now();
  const { release, changed, events } = deps.db.transaction((tx) => {
    const current = requireOpenForVotes(tx, input.releaseId);
    const previous = findVote(tx, current.id, current.revision, actor.userId);
    if (previous?.decision === input.decision && previous.reason === reason) {
      return { release: current, changed: false, events: [] as ReleaseEvent[] };
    }
    upsertVote(tx, {
      releaseId: current.id,
      revision: current.revision,
      voter: actor.userId,
      decision: input.decision,
      reason,
      roles,
      at,
    });
    appendAudit(tx, {
      releaseId: current.id,
      actor: actor.userId,
      action: input.decision === 'approve' ? 'vote_approved' : 'vote_rejected',
      detail: `revision ${current.revision}, roles ${roles.join(', ')}${reason ? `: ${reason}` : ''}`,
      at,
    });
    return voteChanged(tx, current, actor.userId, at, { decision: input.decision, roles, reason });
  });
  for (const event of events) await deps.announcer.announce(event);
  return { release, changed };
}

export async function withdrawVote(
  deps: LifecycleDeps,
  actor: Actor,
  input: { releaseId: number },
): Promise<VoteOutcome> {
  const at = deps.clock.now();
  const { release, changed, events } = deps.db.transaction((tx) => {
    const current = requireOpenForVotes(tx, input.releaseId);
    if (!deleteVote(tx, current.id, current.revision, actor.userId)) {
      return { release: current, changed: false, events: [] as ReleaseEvent[] };
    }
    appendAudit(tx, {
      releaseId: current.id,
      actor: actor.userId,
      action: 'vote_withdrawn',
      detail: `revision ${current.revision}`,
      at,
    });
    return voteChanged(tx, current, actor.userId, at, { decision: 'withdrawn', roles: [], reason: null });
  });
  for (const event of events) await deps.announcer.announce(event);
  if (!changed)
    throw new AppError('not_found', `You have no current vote on ${release.version} to withdraw.`);
  return { release, changed };
}

/**
 * The candidate changed (a fix was let through the freeze): the revision goes up, every vote given so
 * far goes stale, and its voters are told.
 */
export async function bumpCandidateRevision(
  deps: Pick<LifecycleDeps, 'db' | 'clock' | 'announcer'>,
  actor: Actor,
  input: { releaseId: number; cause: string },
): Promise<ReleaseRow> {
  const at = deps.clock.now();
  const { release, staleVoters, events } = deps.db.transaction((tx) => {
    const current = getReleaseById(tx, input.releaseId);
    if (!current || !isFrozen(current.state)) {
      throw new AppError('illegal_transition', 'Only a frozen release has a candidate revision to bump.');
    }
    const staleVoters = listVotes(tx, current.id)
      .filter((v) => v.revision === current.revision)
      .map((v) => v.voter);
    const revision = bumpRevision(tx, current.id, at);
    appendAudit(tx, {
      releaseId: current.id,
      actor: actor.userId,
      action: 'revision_bumped',
      detail: `revision ${revision}: ${input.cause}`,
      at,
    });
    const settled = settleSignoff(tx, { ...current, revision }, actor.userId, at);
    return { release: settled.release, staleVoters, events: settled.event ? [settled.event] : [] };
  });
  await deps.announcer.announce({ kind: 'revision_bumped', release, cause: input.cause, staleVoters });
  for (const event of events) await deps.announcer.announce(event);
  return release;
}

/** Why the release cannot ship yet, naming the missing roles and standing rejections. */
export function explainNotShippable(db: Reader, release: ReleaseRow): string {
  if (release.state !== 'frozen') {
    return `${release.version} is ${describeState(release.state)}; only a signed-off release can ship.`;
  }
  const missing = describeMissingSignoff(tallyOf(db, release));
  return `${release.version} is not signed off yet: ${missing ?? 'sign-off is incomplete'}.`;
}
