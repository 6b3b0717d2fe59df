import type { Config } from '../config.js';
import type { ScheduleClock } from '../domain/calendar.js';
import type { ScheduleSettings } from '../domain/schedule.js';
import type { Logger } from '../logger.js';
import { startScheduler, type Scheduler } from '../scheduler.js';
import { runDueSchedule, type CalendarDeps } from '../use-cases/release-calendar.js';

/** How often the calendar looks for due freezes and reminders (each pass reads them from the database). */
const SCHEDULER_INTERVAL_MS = 30_000;

/** The release calendar's part: how dates are read, when reminders go out, and the timer of its passes. */
export function wireCalendar(
  config: Config,
  parts: {
    /** What a pass runs with (the services exist once everything is wired). */
    deps: () => CalendarDeps;
    logger: Logger;
    isActive: () => boolean;
    fenced: <T>(work: () => T) => T;
  },
): { calendar: ScheduleClock; schedule: ScheduleSettings; scheduler: Scheduler } {
  return {
    calendar: { zone: config.calendar.zone, defaultTime: config.calendar.defaultTime },
    schedule: {
      freezeReminderMs: config.calendar.freezeReminderSeconds * 1000,
      signoffReminderMs: config.calendar.signoffReminderSeconds * 1000,
      shipReminderMs: config.calendar.shipReminderSeconds * 1000,
      workingHours: config.calendar.workingHours,
    },
    scheduler: startScheduler({
      pass: () => parts.fenced(() => runDueSchedule(parts.deps())),
      intervalMs: SCHEDULER_INTERVAL_MS,
      logger: parts.logger,
      mayRun: parts.isActive,
    }),
  };
}
