import type { Db, Reader } from '../db/database.js';
import {
  appendAudit,
  findRelease,
  insertRelease,
  setJiraSync,
  updateRelease,
  type ReleaseRow,
} from '../db/releases.js';
import { listRoles } from '../db/roles.js';
import { AppError } from '../domain/errors.js';
import { nextState, type ReleaseTransition } from '../domain/release.js';
import { parseVersionName } from '../domain/version.js';
import type { AccessControl } from './access.js';
import type { Actor, Clock, ReleaseAnnouncer, ReleaseTracker } from './ports.js';
import { explainNotShippable } from './signoff.js';

export interface LifecycleDeps {
  db: Db;
  clock: Clock;
  access: AccessControl;
  announcer: ReleaseAnnouncer;
  /** The issue tracker the release is mirrored in (Jira); absent when none is connected. */
  tracker?: ReleaseTracker;
}

export function requireRelease(db: Reader, version: string): ReleaseRow {
  const name = parseVersionName(version);
  const release = findRelease(db, name);
  if (!release) {
    throw new AppError(
      'not_found',
      `There is no release ${name}. \`/release list\` shows the ones there are.`,
    );
  }
  return release;
}

export async function createRelease(
  deps: LifecycleDeps,
  actor: Actor,
  input: { version: string; freezeDate?: string; shipDate?: string },
): Promise<ReleaseRow> {
  await deps.access.requireReleaseManager(actor.userId, 'create releases');
  const version = parseVersionName(input.version);
  if (input.freezeDate && input.shipDate && input.shipDate < input.freezeDate) {
    throw new AppError(
      'invalid_input',
      `The ship date ${input.shipDate} is before the freeze date ${input.freezeDate}.`,
    );
  }
  const at = deps.clock.now();
  return deps.db.transaction((tx) => {
    const existing = findRelease(tx, version);
    if (existing) {
      throw new AppError('already_exists', `Release ${existing.version} already exists (${existing.state}).`);
    }
    const release = insertRelease(tx, {
      version,
      freezeDate: input.freezeDate ?? null,
      shipDate: input.shipDate ?? null,
      createdBy: actor.userId,
      at,
    });
    appendAudit(tx, {
      releaseId: release.id,
      actor: actor.userId,
      action: 'release_created',
      toState: 'planned',
      commandText: actor.commandText,
      at,
    });
    return release;
  });
}

/**
 * One state change and its audit entry, in one transaction. `decorate` adds the fields a particular
 * transition sets besides the state.
 */
export function transitionRelease(
  deps: Pick<LifecycleDeps, 'db' | 'clock'>,
  actor: Actor,
  version: string,
  transition: ReleaseTransition,
  audit: { action: string; detail?: string },
  decorate: (release: ReleaseRow) => Partial<ReleaseRow> = () => ({}),
): ReleaseRow {
  const at = deps.clock.now();
  return deps.db.transaction((tx) => {
    const release = requireRelease(tx, version);
    const to = nextState(release.version, release.state, transition);
    const updated = updateRelease(tx, release, { ...decorate(release), state: to, updatedAt: at });
    appendAudit(tx, {
      releaseId: release.id,
      actor: actor.userId,
      action: audit.action,
      fromState: release.state,
      toState: to,
      detail: audit.detail,
      commandText: actor.commandText,
      at,
    });
    return updated;
  });
}

export async function freezeRelease(
  deps: LifecycleDeps,
  actor: Actor,
  input: { version: string; note?: string },
): Promise<ReleaseRow> {
  await deps.access.requireReleaseManager(actor.userId, 'freeze releases');
  const roles = listRoles(deps.db);
  const release = transitionRelease(
    deps,
    actor,
    input.version,
    'freeze',
    { action: 'release_frozen', detail: input.note },
    () => ({
      requiredRoles: roles.map(({ name, members, quorum }) => ({ name, members, quorum })),
    }),
  );
  await deps.announcer.announce({ kind: 'release_frozen', release, actor: actor.userId, note: input.note });
  return release;
}

export async function unfreezeRelease(
  deps: LifecycleDeps,
  actor: Actor,
  input: { version: string; reason?: string },
): Promise<ReleaseRow> {
  await deps.access.requireReleaseManager(actor.userId, 'unfreeze releases');
  const release = transitionRelease(deps, actor, input.version, 'unfreeze', {
    action: 'release_unfrozen',
    detail: input.reason,
  });
  await deps.announcer.announce({
    kind: 'release_unfrozen',
    release,
    actor: actor.userId,
    reason: input.reason,
  });
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
  const release = transitionRelease(deps, actor, input.version, 'cancel', {
    action: 'release_cancelled',
    detail: input.reason,
  });
  await deps.announcer.announce({
    kind: 'release_cancelled',
    release,
    actor: actor.userId,
    reason: input.reason,
  });
  return release;
}

export async function shipRelease(
  deps: LifecycleDeps,
  actor: Actor,
  input: { version: string },
): Promise<ReleaseRow> {
  await deps.access.requireReleaseManager(actor.userId, 'ship releases');
  const current = requireRelease(deps.db, input.version);
  if (current.state !== 'signed_off') {
    throw new AppError('illegal_transition', `Cannot ship: ${explainNotShippable(deps.db, current)}`);
  }
  const release = transitionRelease(
    deps,
    actor,
    input.version,
    'ship',
    { action: 'release_shipped' },
    () => ({
      jiraSync: deps.tracker ? 'pending' : null,
    }),
  );
  const jiraProblem = deps.tracker ? await syncTracker(deps, actor, release) : undefined;
  await deps.announcer.announce({ kind: 'release_shipped', release, actor: actor.userId, jiraProblem });
  return release;
}

/** Marks the release released in the tracker; returns what went wrong, in words for the channel. */
async function syncTracker(
  deps: LifecycleDeps,
  actor: Actor,
  release: ReleaseRow,
): Promise<string | undefined> {
  if (!deps.tracker) return undefined;
  const at = deps.clock.now();
  const problem = await deps.tracker.markReleased(release.version, at);
  deps.db.transaction((tx) => {
    setJiraSync(tx, release.id, problem ? 'failed' : 'done');
    appendAudit(tx, {
      releaseId: release.id,
      actor: actor.userId,
      action: problem ? 'jira_sync_failed' : 'jira_synced',
      detail: problem,
      at,
    });
  });
  return problem ? `${problem} Retry with \`/release jira-sync ${release.version}\`.` : undefined;
}

export async function retryTrackerSync(
  deps: LifecycleDeps,
  actor: Actor,
  input: { version: string },
): Promise<string | undefined> {
  await deps.access.requireReleaseManager(actor.userId, 'sync releases to Jira');
  if (!deps.tracker)
    throw new AppError(
      'not_configured',
      'Jira is not connected: set JIRA_BASE_URL, JIRA_EMAIL and JIRA_API_TOKEN.',
    );
  const release = requireRelease(deps.db, input.version);
  if (release.state !== 'released') {
    throw new AppError(
      'illegal_transition',
      `${release.version} is ${release.state}: only a shipped release is marked released in Jira.`,
    );
  }
  const problem = await syncTracker(deps, actor, release);
  await deps.announcer.announce({ kind: 'jira_synced', release, actor: actor.userId, problem });
  return problem;
}
