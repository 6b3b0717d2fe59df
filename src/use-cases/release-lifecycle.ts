// One cohesive thing, kept whole: the release state machine's transitions as use cases (create, freeze,
// unfreeze, cancel, ship, reschedule), each one transaction with its audit entry and notices.
import type { Tx } from '../db/database.js';
import {
  appendAudit,
  findRelease,
  getReleaseById,
  insertRelease,
  setJiraSync,
  updateRelease,
  type ReleaseRow,
} from '../db/releases.js';
import { listRoles } from '../db/roles.js';
import { AppError } from '../domain/errors.js';
import { checkScheduleTimes, parseWhen, type ScheduleClock, type WhenText } from '../domain/calendar.js';
import {
  describeState,
  isFrozen,
  isOpen,
  nextState,
  revisionAtFreeze,
  type ReleaseTransition,
} from '../domain/release.js';
import { parseVersionName } from '../domain/version.js';
import { withinBudget } from '../support/deadline.js';
import { releaseRef, type Actor, type LifecycleDeps, type Notice, type Outbox } from './ports.js';
import { explainNotShippable } from './signoff.js';
import { captureCandidate, storeCapture, type CandidateCapture } from './candidate.js';
import { requireRelease } from './release-lookup.js';

export type { LifecycleDeps } from './ports.js';

/** Freeze and ship times as typed, read in the release time zone unless they name their own. */
export interface ScheduleInput {
  freeze?: WhenText;
  ship?: WhenText;
}

function resolveTimes(calendar: ScheduleClock, input: ScheduleInput): { freezeAt?: Date; shipAt?: Date } {
  return {
    freezeAt: input.freeze ? parseWhen('freeze', input.freeze.text, input.freeze.zone, calendar) : undefined,
    shipAt: input.ship ? parseWhen('ship', input.ship.text, input.ship.zone, calendar) : undefined,
  };
}

export async function createRelease(
  deps: LifecycleDeps,
  actor: Actor,
  input: { version: string } & ScheduleInput,
): Promise<ReleaseRow> {
  await deps.access.requireReleaseManager(actor.userId, 'create releases');
  const version = parseVersionName(input.version);
  const at = deps.clock.now();
  const { freezeAt, shipAt } = resolveTimes(deps.calendar, input);
  checkScheduleTimes({ freezeAt, shipAt }, at, { freezeAt: true, shipAt: true });
  return deps.store.transaction(async (tx) => {
    const existing = await findRelease(tx, version);
    if (existing) {
      throw new AppError('already_exists', `Release ${existing.version} already exists (${existing.state}).`);
    }
    const release = await insertRelease(tx, {
      version,
      freezeAt: freezeAt ?? null,
      shipAt: shipAt ?? null,
      createdBy: actor.userId,
      at,
    });
    await appendAudit(tx, {
      releaseId: release.id,
      actor: actor.userId,
      action: 'release_created',
      toState: 'planned',
      detail: describeTimes({ freezeAt, shipAt }),
      commandText: actor.commandText,
      at,
    });
    return release;
  });
}

function describeTimes(times: { freezeAt?: Date | null; shipAt?: Date | null }): string | undefined {
  const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const parts = [
    times.freezeAt ? `freeze ${utc(times.freezeAt)}` : undefined,
    times.shipAt ? `ship ${utc(times.shipAt)}` : undefined,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/** Moves a release's freeze or ship time; the change is told in its thread. */
export async function scheduleRelease(
  deps: LifecycleDeps,
  actor: Actor,
  input: { version: string } & ScheduleInput,
): Promise<ReleaseRow> {
  await deps.access.requireReleaseManager(actor.userId, 'schedule releases');
  const at = deps.clock.now();
  const times = resolveTimes(deps.calendar, input);
  return deps.store.transaction(async (tx) => {
    const release = await requireRelease(tx, input.version);
    if (!isOpen(release.state)) {
      throw new AppError(
        'illegal_transition',
        `${release.version} is ${describeState(release.state)}: only an open release has dates to change.`,
      );
    }
    if (times.freezeAt && release.state !== 'planned') {
      throw new AppError(
        'illegal_transition',
        `${release.version} is frozen already, so its freeze time cannot move. Change the ship time, or \`/release unfreeze ${release.version}\` first.`,
      );
    }
    const next = { freezeAt: times.freezeAt ?? release.freezeAt, shipAt: times.shipAt ?? release.shipAt };
    const same = (a: Date | null, b: Date | null) => a?.getTime() === b?.getTime();
    // Asked again (a retried command, a double send): nothing changes and nobody is told twice.
    if (same(next.freezeAt, release.freezeAt) && same(next.shipAt, release.shipAt)) return release;
    checkScheduleTimes(next, at, { freezeAt: Boolean(times.freezeAt), shipAt: Boolean(times.shipAt) });
    const updated = await updateRelease(tx, release, { ...next, updatedAt: at });
    await appendAudit(tx, {
      releaseId: release.id,
      actor: actor.userId,
      action: 'release_rescheduled',
      detail: describeTimes(times),
      commandText: actor.commandText,
      at,
    });
    await deps.outbox.enqueue(
      tx,
      {
        kind: 'release_rescheduled',
        release: releaseRef(updated),
        actor: actor.userId,
        freezeAt: times.freezeAt?.toISOString() ?? null,
        shipAt: times.shipAt?.toISOString() ?? null,
      },
      actor.replyTo ? { replyTo: actor.replyTo } : {},
    );
    return updated;
  });
}

export interface TransitionSpec {
  transition: ReleaseTransition;
  action: string;
  detail?: string;
  /** Refuses with a more specific reason than the state machine's, before it is asked. */
  guard?: (release: ReleaseRow, tx: Tx) => Promise<void>;
  /** Fields the transition sets besides the state (read from the release as it is in the transaction). */
  decorate?: (release: ReleaseRow, tx: Tx, at: Date) => Promise<Partial<ReleaseRow>>;
  /** What else the change writes, in its transaction, once the release has its new state. */
  after?: (updated: ReleaseRow, tx: Tx, at: Date) => Promise<void>;
  /** What people must hear of it, written to the outbox in the same transaction. */
  notices?: (updated: ReleaseRow) => Notice[];
}

/** One state change, its audit entry and its notices, in one transaction. */
export function transitionRelease(
  deps: Pick<LifecycleDeps, 'store' | 'clock' | 'outbox'>,
  actor: Actor,
  version: string,
  spec: TransitionSpec,
): Promise<ReleaseRow> {
  const at = deps.clock.now();
  return deps.store.transaction(async (tx) => transitionReleaseIn(tx, deps.outbox, actor, version, spec, at));
}

/** The same, inside the caller's transaction (a scheduled freeze records its run in the same one). */
export async function transitionReleaseIn(
  tx: Tx,
  outbox: Outbox,
  actor: Actor,
  version: string,
  spec: TransitionSpec,
  at: Date,
): Promise<ReleaseRow> {
  const release = await requireRelease(tx, version);
  await spec.guard?.(release, tx);
  const to = nextState(release.version, release.state, spec.transition);
  const updated = await updateRelease(tx, release, {
    ...(await spec.decorate?.(release, tx, at)),
    state: to,
    updatedAt: at,
  });
  await appendAudit(tx, {
    releaseId: release.id,
    actor: actor.userId,
    action: spec.action,
    fromState: release.state,
    toState: to,
    detail: spec.detail,
    commandText: actor.commandText,
    at,
  });
  await spec.after?.(updated, tx, at);
  for (const notice of spec.notices?.(updated) ?? []) {
    await outbox.enqueue(tx, notice, actor.replyTo ? { replyTo: actor.replyTo } : {});
  }
  return updated;
}

export async function freezeRelease(
  deps: LifecycleDeps,
  actor: Actor,
  input: { version: string; note?: string },
): Promise<ReleaseRow> {
  await deps.access.requireReleaseManager(actor.userId, 'freeze releases');
  await requireRelease(deps.store, input.version);
  // The cluster is read before the transaction (it cannot wait on the network); what it found is stored
  // in the freeze's own transaction.
  const capture = await captureCandidate(deps.candidate, deps.logger);
  const frozen = await transitionRelease(deps, actor, input.version, freezeSpec(actor, input.note, capture));
  await convergeEnforcement(deps);
  return frozen;
}

/** How long a change of what is frozen waits for the admission parameter before it answers anyway. */
const CONVERGE_BUDGET_MS = 1_000;

/**
 * Tells the API server's freeze what changed, right after the change committed. It waits a little (the
 * parameter is usually written in milliseconds); what is slower finishes in the background, and the
 * reconcile pass repairs what fails.
 */
export async function convergeEnforcement(
  deps: Pick<LifecycleDeps, 'enforcement' | 'logger'>,
): Promise<void> {
  if (!deps.enforcement) return;
  const converging = deps.enforcement.converge().then(
    () => true,
    (error: unknown) => {
      deps.logger.warn({ err: error }, 'could not update the freeze admission parameter; reconcile retries');
      return false;
    },
  );
  await withinBudget(converging, CONVERGE_BUDGET_MS);
}

/** What a freeze is, by hand or on schedule: the roles are snapshotted and a re-freeze is a new revision. */
export function freezeSpec(
  actor: Actor,
  note: string | undefined,
  capture?: CandidateCapture,
): TransitionSpec {
  return {
    after: async (release, tx, at) => storeCapture(tx, release, capture, at),
    transition: 'freeze',
    action: 'release_frozen',
    detail: note,
    decorate: async (release, tx, at) => {
      const roles = await listRoles(tx);
      if (roles.length === 0) {
        throw new AppError(
          'not_configured',
          `${release.version} cannot be frozen yet: no sign-off role is defined, so nobody could sign it off. Define one first, for example \`/release role set qa @qa-team quorum=1\`.`,
        );
      }
      return {
        requiredRoles: roles.map(({ name, members, quorum }) => ({ name, members, quorum })),
        revision: revisionAtFreeze({
          revision: release.revision,
          frozenBefore: release.requiredRoles !== null,
        }),
        frozenAt: at,
      };
    },
    notices: (release) => [
      { kind: 'release_frozen', release: releaseRef(release), actor: actor.userId, note: note ?? null },
    ],
  };
}

/** Posts the announcement again with live buttons; the old message points to the new one. */
export async function announceAgain(
  deps: LifecycleDeps,
  actor: Actor,
  input: { version: string },
): Promise<ReleaseRow> {
  await deps.access.requireReleaseManager(actor.userId, 'post announcements again');
  return deps.store.transaction(async (tx) => {
    const release = await requireRelease(tx, input.version);
    if (!isFrozen(release.state)) {
      throw new AppError(
        'illegal_transition',
        `${release.version} is not frozen, so it has no announcement with sign-off buttons to post.`,
      );
    }
    await appendAudit(tx, {
      releaseId: release.id,
      actor: actor.userId,
      action: 'announcement_reposted',
      commandText: actor.commandText,
      at: deps.clock.now(),
    });
    const previous =
      release.announcementChannel && release.announcementTs
        ? { channel: release.announcementChannel, ts: release.announcementTs }
        : null;
    await deps.outbox.enqueue(
      tx,
      { kind: 'announcement_reposted', release: releaseRef(release), actor: actor.userId, previous },
      actor.replyTo ? { replyTo: actor.replyTo } : {},
    );
    return release;
  });
}

export async function unfreezeRelease(
  deps: LifecycleDeps,
  actor: Actor,
  input: { version: string; reason?: string },
): Promise<ReleaseRow> {
  await deps.access.requireReleaseManager(actor.userId, 'unfreeze releases');
  return thawing(
    deps,
    await transitionRelease(deps, actor, input.version, {
      transition: 'unfreeze',
      action: 'release_unfrozen',
      detail: input.reason,
      notices: (release) => [
        {
          kind: 'release_unfrozen',
          release: releaseRef(release),
          actor: actor.userId,
          reason: input.reason ?? null,
        },
      ],
    }),
  );
}

/** After a release stops being frozen, the API server's freeze is lifted in the same step. */
async function thawing(deps: LifecycleDeps, release: ReleaseRow): Promise<ReleaseRow> {
  await convergeEnforcement(deps);
  return release;
}

export async function cancelRelease(
  deps: LifecycleDeps,
  actor: Actor,
  input: { version: string; reason: string },
): Promise<ReleaseRow> {
  await deps.access.requireReleaseManager(actor.userId, 'cancel releases');
  if (!input.reason.trim())
    throw new AppError('invalid_input', 'Say why: `/release cancel <version> <reason>`.');
  return thawing(
    deps,
    await transitionRelease(deps, actor, input.version, {
      transition: 'cancel',
      action: 'release_cancelled',
      detail: input.reason,
      notices: (release) => [
        {
          kind: 'release_cancelled',
          release: releaseRef(release),
          actor: actor.userId,
          reason: input.reason,
        },
      ],
    }),
  );
}

/**
 * Ships a signed-off release at once; the Jira write-back follows through the outbox, and its outcome
 * goes to the announcement's thread.
 */
export async function shipRelease(
  deps: LifecycleDeps,
  actor: Actor,
  input: { version: string },
): Promise<ReleaseRow> {
  await deps.access.requireReleaseManager(actor.userId, 'ship releases');
  const trackerSync = deps.tracker !== undefined;
  return thawing(
    deps,
    await transitionRelease(deps, actor, input.version, {
      transition: 'ship',
      action: 'release_shipped',
      guard: async (release, tx) => {
        if (release.state !== 'signed_off') {
          throw new AppError('illegal_transition', `Cannot ship: ${await explainNotShippable(tx, release)}`);
        }
      },
      decorate: () => Promise.resolve({ jiraSync: trackerSync ? 'pending' : null }),
      notices: (release) => [
        { kind: 'release_shipped', release: releaseRef(release), actor: actor.userId, trackerSync },
        ...(trackerSync
          ? [{ kind: 'tracker_sync_requested' as const, release: releaseRef(release), actor: actor.userId }]
          : []),
      ],
    }),
  );
}

/** The Ship button names the release by id. */
export async function shipReleaseById(
  deps: LifecycleDeps,
  actor: Actor,
  releaseId: number,
): Promise<ReleaseRow> {
  const release = await getReleaseById(deps.store, releaseId);
  if (!release) throw new AppError('not_found', 'That release no longer exists.');
  return shipRelease(deps, actor, { version: release.version });
}

type TrackerSyncDeps = Pick<LifecycleDeps, 'store' | 'clock' | 'outbox' | 'tracker'> & {
  /** The version description to write (JIRA_RELEASE_NOTES=description); undefined leaves it alone. */
  trackerDescription?: (release: ReleaseRow) => Promise<string | undefined>;
};

/**
 * Marks the release released in the tracker. Resolves to the problem in words (if any) and the write that
 * records the outcome (sync state, audit entry, the thread line's notice): the caller commits it in the
 * transaction that also marks its own step done, so a retry after a crash never tells the thread twice.
 */
export async function markReleasedInTracker(
  deps: TrackerSyncDeps,
  actor: Actor,
  releaseId: number,
): Promise<{ problem: string | undefined; record: (tx: Tx) => Promise<void> } | undefined> {
  if (!deps.tracker) return undefined;
  const release = await getReleaseById(deps.store, releaseId);
  if (!release) return undefined;
  const description = await deps.trackerDescription?.(release);
  const problem = await deps.tracker.markReleased(release.version, deps.clock.now(), description);
  const told = problem ? `${problem} Retry with \`/release jira-sync ${release.version}\`.` : undefined;
  return {
    problem: told,
    record: async (tx) => {
      await setJiraSync(tx, release.id, problem ? 'failed' : 'done');
      await appendAudit(tx, {
        releaseId: release.id,
        actor: actor.userId,
        action: problem ? 'jira_sync_failed' : 'jira_synced',
        detail: problem,
        at: deps.clock.now(),
      });
      await deps.outbox.enqueue(tx, {
        kind: 'tracker_synced',
        release: releaseRef(release),
        actor: actor.userId,
        problem: told ?? null,
      });
    },
  };
}

/** `/release jira-sync`: the same, recorded in a transaction of its own. Resolves to the problem, if any. */
export async function syncTracker(
  deps: TrackerSyncDeps,
  actor: Actor,
  releaseId: number,
): Promise<string | undefined> {
  const outcome = await markReleasedInTracker(deps, actor, releaseId);
  if (!outcome) return undefined;
  await deps.store.transaction(async (tx) => outcome.record(tx));
  return outcome.problem;
}

export async function retryTrackerSync(
  deps: LifecycleDeps & { trackerDescription?: (release: ReleaseRow) => Promise<string | undefined> },
  actor: Actor,
  input: { version: string },
): Promise<string | undefined> {
  await deps.access.requireReleaseManager(actor.userId, 'sync releases to Jira');
  if (!deps.tracker)
    throw new AppError(
      'not_configured',
      'Jira is not connected: set JIRA_BASE_URL, JIRA_EMAIL and JIRA_API_TOKEN.',
    );
  const release = await requireRelease(deps.store, input.version);
  if (release.state !== 'released') {
    throw new AppError(
      'illegal_transition',
      `${release.version} is ${release.state}: only a shipped release is marked released in Jira.`,
    );
  }
  return syncTracker(deps, actor, release.id);
}
