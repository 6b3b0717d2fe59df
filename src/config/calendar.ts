import { z } from '../vendor/zod.js';
import { isTimeZone, parseTimeOfDay, parseWorkingHours, type WorkingHours } from '../domain/calendar.js';
import { duration, type Parsed } from './fields.js';

/** The release calendar: how dates are read and when reminders go out. */
export const calendarFields = {
  RELEASE_TIMEZONE: z
    .string()
    .default('UTC')
    .refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin or UTC'),
  RELEASE_FREEZE_TIME: z
    .string()
    .default('09:00')
    .transform((raw, ctx) => {
      const time = parseTimeOfDay(raw);
      if (!time) {
        ctx.addIssue({ code: 'custom', message: `"${raw}" is not a time of day like 09:00` });
        return z.NEVER;
      }
      return time;
    }),
  FREEZE_REMINDER: duration('24h'),
  SIGNOFF_REMINDER: duration('24h'),
  SHIP_REMINDER: duration('4h'),
  WORKING_HOURS: z
    .string()
    .default('09:00-18:00')
    .refine(
      (raw) => parseWorkingHours(raw, 'UTC') !== undefined,
      'must look like 09:00-18:00 or 09:00-18:00 Mon-Fri (start before end)',
    ),
};

export interface CalendarConfig {
  zone: string;
  defaultTime: { hour: number; minute: number };
  freezeReminderSeconds: number;
  signoffReminderSeconds: number;
  shipReminderSeconds: number;
  workingHours: WorkingHours;
}

export function calendarConfig(e: Parsed<typeof calendarFields>): CalendarConfig {
  return {
    zone: e.RELEASE_TIMEZONE,
    defaultTime: e.RELEASE_FREEZE_TIME,
    freezeReminderSeconds: e.FREEZE_REMINDER,
    signoffReminderSeconds: e.SIGNOFF_REMINDER,
    shipReminderSeconds: e.SHIP_REMINDER,
    workingHours: parseWorkingHours(e.WORKING_HOURS, e.RELEASE_TIMEZONE)!,
  };
}
