import { isWorkingTime, nextWorkingTime, type WorkingHours } from './calendar.js';
import type { ReleaseState } from './release.js';

/** What the scheduler knows of one release, read from the database at each pass. */
export interface ScheduleFacts {
  releaseId: number;
  state: ReleaseState;
  revision: number;
  freezeAt: Date | null;
  shipAt: Date | null;
  /** When the current freeze began (null if never frozen). */
  frozenAt: Date | null;
  /** The last sign-off reminder round (scheduled, ship or manual), if any. */
  lastSignoffReminderAt: Date | null;
}

export interface ScheduleSettings {
  freezeReminderMs: number;
  signoffReminderMs: number;
  shipReminderMs: number;
  workingHours: WorkingHours;
}

export type ScheduledKind = 'scheduled_freeze' | 'freeze_reminder' | 'signoff_reminder' | 'ship_reminder';

/**
 * One thing the calendar says must happen now. The key names it for good: once a key is recorded as run,
 * the same action never runs again, whatever restarts or catch-ups follow.
 */
export interface DueAction {
  kind: ScheduledKind;
  key: string;
  releaseId: number;
  /** The revision it concerns (sign-off reminders go stale with their revision). */
  revision: number;
  dueAt: Date;
}

/** Kinds that count as a round of sign-off reminders (the next round is one interval after the last). */
export const SIGNOFF_REMINDER_KINDS: readonly string[] = [
  'signoff_reminder',
  'ship_reminder',
  'manual_reminder',
];

/**
 * Every action the calendar holds for these releases as they stand at `now`, due or not: the scheduled
 * freeze and its reminder, the ship reminder, and the next sign-off round (in the order a pass runs them).
 */
function plannedActions(facts: readonly ScheduleFacts[], now: Date, settings: ScheduleSettings): DueAction[] {
  const planned: DueAction[] = [];
  const t = now.getTime();
  for (const r of facts) {
    const base = { releaseId: r.releaseId, revision: r.revision };
    if (r.state === 'planned' && r.freezeAt) {
      const freezeAt = r.freezeAt.getTime();
      // Frozen by hand at or after the scheduled time: that time has been kept already.
      const keptByHand = r.frozenAt !== null && r.frozenAt.getTime() >= freezeAt;
      if (!keptByHand) {
        planned.push({
          ...base,
          kind: 'scheduled_freeze',
          key: `scheduled_freeze:${r.releaseId}:${freezeAt}`,
          dueAt: r.freezeAt,
        });
      }
      // A reminder is only worth sending before the freeze; after it, the freeze itself speaks.
      if (t < freezeAt) {
        planned.push({
          ...base,
          kind: 'freeze_reminder',
          key: `freeze_reminder:${r.releaseId}:${freezeAt}`,
          dueAt: new Date(freezeAt - settings.freezeReminderMs),
        });
      }
    }
    if (r.state === 'frozen' && r.frozenAt) {
      const last = Math.max(r.frozenAt.getTime(), r.lastSignoffReminderAt?.getTime() ?? 0);
      const shipAt = r.shipAt?.getTime();
      const shipReminderAt = shipAt === undefined ? undefined : shipAt - settings.shipReminderMs;
      if (
        shipAt !== undefined &&
        shipReminderAt !== undefined &&
        t < shipAt &&
        shipReminderAt > r.frozenAt.getTime()
      ) {
        planned.push({
          ...base,
          kind: 'ship_reminder',
          // One per release and ship time: a revision bump in the last hours must not DM everyone again.
          key: `ship_reminder:${r.releaseId}:${shipAt}`,
          dueAt: new Date(shipReminderAt),
        });
      }
      planned.push({
        ...base,
        kind: 'signoff_reminder',
        key: `signoff_reminder:${r.releaseId}:${r.revision}:${last}`,
        dueAt: nextWorkingTime(new Date(last + settings.signoffReminderMs), settings.workingHours),
      });
    }
  }
  return planned;
}

/** Every action due at `now` that has not run yet. */
export function dueActions(
  facts: readonly ScheduleFacts[],
  hasRun: (key: string) => boolean,
  now: Date,
  settings: ScheduleSettings,
): DueAction[] {
  const due: DueAction[] = [];
  const working = isWorkingTime(now, settings.workingHours);
  for (const action of plannedActions(facts, now, settings)) {
    if (action.dueAt.getTime() > now.getTime() || hasRun(action.key)) continue;
    // A round that came due while the bot was down waits for working hours too (a catch-up at 20:00 would
    // DM people in the evening), and a ship reminder due in the same pass is that release's round.
    const roundHeldBack =
      action.kind === 'signoff_reminder' &&
      (!working || due.some((d) => d.releaseId === action.releaseId && d.kind === 'ship_reminder'));
    if (!roundHeldBack) due.push(action);
  }
  return due;
}

/**
 * The next moment a pass would find something to do, after `now`: the soonest action not yet due, or, for a
 * sign-off round held back until working hours, when they begin. Undefined when the calendar holds nothing.
 */
export function nextScheduledAction(
  facts: readonly ScheduleFacts[],
  hasRun: (key: string) => boolean,
  now: Date,
  settings: ScheduleSettings,
): DueAction | undefined {
  const t = now.getTime();
  const waiting = plannedActions(facts, now, settings)
    .filter((action) => !hasRun(action.key))
    .map((action) =>
      action.dueAt.getTime() <= t && action.kind === 'signoff_reminder'
        ? { ...action, dueAt: nextWorkingTime(now, settings.workingHours) }
        : action,
    )
    .filter((action) => action.dueAt.getTime() > t);
  return waiting.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime())[0];
}

/**
 * When a sign-off reminder DM may be sent, judged as it is sent: a scheduled round that could not reach
 * Slack before closing time waits for the next opening. Undefined means now. A ship reminder keeps its time
 * (the ship time does not move for working hours), and one asked for by hand goes at once.
 */
export function reminderDeferredUntil(
  cause: 'scheduled' | 'ship' | 'manual',
  now: Date,
  hours: WorkingHours,
): Date | undefined {
  if (cause !== 'scheduled' || isWorkingTime(now, hours)) return undefined;
  return nextWorkingTime(now, hours);
}
