// One cohesive thing, kept whole: the release calendar's pass and the reminders it sends.
import { appendAudit, getReleaseById, listReleases, type ReleaseRow } from '../db/releases.js';
import { claimRun, lastRunAt, runKeysOf } from '../db/schedule.js';
import { listVotes } from '../db/votes.js';
import { describeDelay, isWorkingTime } from '../domain/calendar.js';
import { AppError, isAppError } from '../domain/errors.js';
import {
  dueActions,
  nextScheduledAction,
  SIGNOFF_REMINDER_KINDS,
  type DueAction,
  type ScheduleFacts,
  type ScheduleSettings,
} from '../domain/schedule.js';
import { tallySignoff } from '../domain/signoff.js';
import type { Logger } from '../logger.js';
import { captureCandidate } from './candidate.js';
import { convergeEnforcement, freezeSpec, transitionReleaseIn } from './release-lifecycle.js';
import { requireRelease } from './release-lookup.js';
import { releaseRef, type Actor, type GroupDirectory, type LifecycleDeps } from './ports.js';

/** The actor of everything the calendar does by itself (audit rows, announcements). */
export const SCHEDULE_ACTOR = 'schedule';

export interface CalendarDeps extends LifecycleDeps {
  groups: GroupDirectory;
  schedule: ScheduleSettings;
  /** Who hears of a scheduled freeze that failed: the named release managers (users and groups). */
  managerPrincipals: readonly string[];
  logger: Logger;
}

/** The open releases' dates, and the keys of what already ran for them, read together. */
function scheduleFacts(
  deps: Pick<CalendarDeps, 'store'>,
): Promise<{ facts: ScheduleFacts[]; ran: (key: string) => boolean }> {
  return deps.store.read(async (db) => {
    const open = await listReleases(db, ['planned', 'frozen']);
    const facts: ScheduleFacts[] = [];
    for (const r of open) {
      facts.push({
        releaseId: r.id,
        state: r.state,
        revision: r.revision,
        freezeAt: r.freezeAt,
        shipAt: r.shipAt,
        frozenAt: r.frozenAt,
        lastSignoffReminderAt: await lastRunAt(db, r.id, SIGNOFF_REMINDER_KINDS),
      });
    }
    const keys = await runKeysOf(
      db,
      open.map((r) => r.id),
    );
    return { facts, ran: (key: string) => keys.has(key) };
  });
}

/**
 * One pass of the calendar: everything due and not yet run, run now, each exactly once (its key is
 * recorded in the transaction that carries it out). A pass after downtime catches up.
 */
export async function runDueSchedule(deps: CalendarDeps): Promise<DueAction[]> {
  const now = deps.clock.now();
  const { facts, ran } = await scheduleFacts(deps);
  const due = dueActions(facts, ran, now, deps.schedule);
  for (const action of due) {
    try {
      if (action.kind === 'scheduled_freeze') await freezeOnSchedule(deps, action);
      else if (action.kind === 'freeze_reminder') await remindOfFreeze(deps, action);
      else await remindSignoff(deps, action.releaseId, { action });
    } catch (error) {
      deps.logger.error({ err: error, key: action.key }, 'a scheduled action failed; the next pass retries');
    }
  }
  // Reminders that reached closing time on their way wait in the outbox; this clock says when it opens.
  // After this pass's rounds: a reminder a new round superseded is then dropped, not sent beside it.
  if (isWorkingTime(now, deps.schedule.workingHours)) await deps.outbox.resumeDeferred();
  return due;
}

/** What the calendar will do next, after now, and to which release (the playground's clock jumps there). */
export async function nextOnCalendar(
  deps: Pick<CalendarDeps, 'store' | 'clock' | 'schedule'>,
): Promise<{ kind: DueAction['kind']; version: string; at: Date } | undefined> {
  const { facts, ran } = await scheduleFacts(deps);
  const next = nextScheduledAction(facts, ran, deps.clock.now(), deps.schedule);
  const release = next && (await getReleaseById(deps.store, next.releaseId));
  return next && release ? { kind: next.kind, version: release.version, at: next.dueAt } : undefined;
}

async function freezeOnSchedule(deps: CalendarDeps, action: DueAction): Promise<void> {
  const at = deps.clock.now();
  const lateMs = at.getTime() - action.dueAt.getTime();
  const late =
    lateMs >= 120_000
      ? ` ${describeDelay(lateMs)} late: release-bot was not running at ${action.dueAt.toISOString().slice(0, 16).replace('T', ' ')} UTC.`
      : '';
  const actor: Actor = { userId: SCHEDULE_ACTOR, commandText: 'scheduled freeze' };
  const capture = await captureCandidate(deps.candidate, deps.logger);
  const run = {
    key: action.key,
    releaseId: action.releaseId,
    kind: action.kind,
    dueAt: action.dueAt,
    ranAt: at,
  };
  try {
    await deps.store.transaction(async (tx) => {
      const release = await getReleaseById(tx, action.releaseId);
      if (!release || !(await claimRun(tx, { ...run, outcome: 'frozen' }))) return;
      await transitionReleaseIn(
        tx,
        deps.outbox,
        actor,
        release.version,
        freezeSpec(actor, `Frozen on schedule.${late}`, capture),
        at,
      );
    });
    await convergeEnforcement(deps);
  } catch (error) {
    if (!isAppError(error)) throw error;
    // Refused (no sign-off roles, a state that cannot freeze): the run is spent, and the managers hear why.
    const managers = await managersToTell(deps, action.releaseId);
    await deps.store.transaction(async (tx) => {
      const release = await getReleaseById(tx, action.releaseId);
      if (!release || !(await claimRun(tx, { ...run, outcome: `refused: ${error.message}` }))) return;
      await appendAudit(tx, {
        releaseId: release.id,
        actor: SCHEDULE_ACTOR,
        action: 'scheduled_freeze_failed',
        detail: error.message,
        at,
      });
      for (const manager of managers) {
        await deps.outbox.enqueue(tx, {
          kind: 'scheduled_freeze_failed',
          release: releaseRef(release),
          manager,
          dueAt: action.dueAt.toISOString(),
          reason: error.message,
        });
      }
    });
  }
}

/** The named release managers, groups expanded; the release's creator when no one is named. */
export async function managersToTell(
  deps: Pick<CalendarDeps, 'store' | 'groups' | 'managerPrincipals' | 'logger'>,
  releaseId: number,
): Promise<string[]> {
  const people = new Set<string>();
  for (const principal of deps.managerPrincipals) {
    if (!principal.startsWith('S')) {
      people.add(principal);
      continue;
    }
    try {
      for (const member of await deps.groups.membersOf(principal)) people.add(member);
    } catch (error) {
      deps.logger.warn({ err: error, group: principal }, 'could not expand a manager group');
    }
  }
  if (people.size === 0) {
    const creator = (await getReleaseById(deps.store, releaseId))?.createdBy;
    if (creator && /^[UW]/.test(creator)) people.add(creator);
  }
  return [...people];
}

async function remindOfFreeze(deps: CalendarDeps, action: DueAction): Promise<void> {
  const at = deps.clock.now();
  await deps.store.transaction(async (tx) => {
    const release = await getReleaseById(tx, action.releaseId);
    if (!release?.freezeAt || release.state !== 'planned') return;
    if (
      !(await claimRun(tx, {
        key: action.key,
        releaseId: release.id,
        kind: action.kind,
        dueAt: action.dueAt,
        ranAt: at,
        outcome: 'posted',
      }))
    )
      return;
    await deps.outbox.enqueue(tx, {
      kind: 'freeze_reminder',
      release: releaseRef(release),
      freezeAt: release.freezeAt.toISOString(),
    });
  });
}

/** Who has not signed off yet: members of every role short of its quorum who have not voted on this revision. */
async function awaitedVoters(
  deps: Pick<CalendarDeps, 'store' | 'groups'>,
  release: ReleaseRow,
): Promise<Map<string, string[]>> {
  const votes = await listVotes(deps.store, release.id);
  const tally = tallySignoff(release.requiredRoles ?? [], votes, release.revision);
  const voted = new Set(votes.filter((v) => v.revision === release.revision).map((v) => v.voter));
  const awaited = new Map<string, string[]>();
  for (const role of tally.roles) {
    if (role.missing === 0) continue;
    const principals = release.requiredRoles?.find((r) => r.name === role.role)?.members ?? [];
    for (const principal of principals) {
      const people = principal.startsWith('S') ? await deps.groups.membersOf(principal) : [principal];
      for (const person of people) {
        if (voted.has(person) || !/^[UW]/.test(person)) continue;
        awaited.set(person, [...(awaited.get(person) ?? []), role.role]);
      }
    }
  }
  return awaited;
}

/**
 * DMs every member of a role still short of approvals who has not voted on this revision: one round,
 * recorded with its key so it is sent once. Resolves to the people reminded.
 */
async function remindSignoff(
  deps: CalendarDeps,
  releaseId: number,
  round: { action: DueAction } | { manualBy: string },
): Promise<string[]> {
  const before = await getReleaseById(deps.store, releaseId);
  if (!before || before.state !== 'frozen') return [];
  const awaited = await awaitedVoters(deps, before);
  const at = deps.clock.now();
  const run =
    'action' in round
      ? { key: round.action.key, kind: round.action.kind, dueAt: round.action.dueAt }
      : {
          // One manual round per revision and minute: a double press or a retried request sends nothing twice.
          key: `manual_reminder:${releaseId}:${before.revision}:${Math.floor(at.getTime() / 60_000)}`,
          kind: 'manual_reminder',
          dueAt: at,
        };
  const cause = 'manualBy' in round ? 'manual' : run.kind === 'ship_reminder' ? 'ship' : 'scheduled';
  return deps.store.transaction(async (tx) => {
    const release = await getReleaseById(tx, releaseId);
    // The candidate moved on while groups were read: this round is for a revision nobody votes on now.
    if (!release || release.state !== 'frozen' || release.revision !== before.revision) return [];
    const outcome = `reminded ${awaited.size}`;
    if (!(await claimRun(tx, { ...run, releaseId, ranAt: at, outcome }))) {
      if ('manualBy' in round) {
        throw new AppError(
          'conflict',
          `Sign-off reminders for ${release.version} went out less than a minute ago; nothing was sent again.`,
        );
      }
      return [];
    }
    if ('manualBy' in round) {
      await appendAudit(tx, {
        releaseId,
        actor: round.manualBy,
        action: 'signoff_reminded',
        detail: outcome,
        at,
      });
    }
    for (const [user, roles] of awaited) {
      await deps.outbox.enqueue(tx, {
        kind: 'signoff_reminder',
        release: releaseRef(release),
        user,
        roles,
        cause,
        shipAt: release.shipAt?.toISOString() ?? null,
        roundAt: at.toISOString(),
      });
    }
    return [...awaited.keys()];
  });
}

/** `/release remind`: the sign-off reminders now, outside the schedule and working hours. */
export async function remindNow(
  deps: CalendarDeps,
  actor: Actor,
  input: { version: string },
): Promise<{ release: ReleaseRow; reminded: string[] }> {
  await deps.access.requireReleaseManager(actor.userId, 'send sign-off reminders');
  const release = await requireRelease(deps.store, input.version);
  if (release.state !== 'frozen') {
    throw new AppError(
      'illegal_transition',
      release.state === 'signed_off'
        ? `${release.version} is signed off already: nobody is waited for.`
        : `${release.version} is not frozen, so there is no sign-off to remind of.`,
    );
  }
  return { release, reminded: await remindSignoff(deps, release.id, { manualBy: actor.userId }) };
}

/**
 * At delivery: whether a reminder still makes sense. It is dropped once the release moved on, its
 * revision changed, the person voted, or every role they were reminded for is complete.
 */
export async function reminderStillWanted(
  deps: Pick<LifecycleDeps, 'store'>,
  reminder: { release: { id: number; revision: number }; user: string; roles: string[]; roundAt?: string },
): Promise<boolean> {
  const release = await getReleaseById(deps.store, reminder.release.id);
  if (!release || release.state !== 'frozen' || release.revision !== reminder.release.revision) return false;
  // A later round (one that waited for working hours, say) sent its own DM to whoever is still missing.
  const latestRound = await lastRunAt(deps.store, release.id, SIGNOFF_REMINDER_KINDS);
  if (reminder.roundAt && latestRound && latestRound.getTime() > Date.parse(reminder.roundAt)) return false;
  const votes = await listVotes(deps.store, release.id);
  if (votes.some((v) => v.revision === release.revision && v.voter === reminder.user)) return false;
  const tally = tallySignoff(release.requiredRoles ?? [], votes, release.revision);
  return tally.roles.some((r) => reminder.roles.includes(r.role) && r.missing > 0);
}

export interface CalendarEntry {
  at: Date;
  what: 'freeze' | 'ship';
  release: ReleaseRow;
  /** The time has passed and it has not happened. */
  overdue: boolean;
}

/** Upcoming (and overdue) freezes and ships of the open releases, soonest first. */
export async function upcomingCalendar(
  deps: Pick<LifecycleDeps, 'store' | 'clock'>,
): Promise<CalendarEntry[]> {
  const now = deps.clock.now().getTime();
  const entries: CalendarEntry[] = [];
  for (const release of await listReleases(deps.store, ['planned', 'frozen', 'signed_off'])) {
    if (release.freezeAt && release.state === 'planned') {
      entries.push({
        at: release.freezeAt,
        what: 'freeze',
        release,
        overdue: release.freezeAt.getTime() <= now,
      });
    }
    if (release.shipAt) {
      entries.push({ at: release.shipAt, what: 'ship', release, overdue: release.shipAt.getTime() <= now });
    }
  }
  return entries.sort((a, b) => a.at.getTime() - b.at.getTime());
}
