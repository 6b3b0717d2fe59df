import { AppError } from './errors.js';

/**
 * Wall-clock times in IANA zones, without a date library: Intl knows every zone's offsets, so a local
 * time is turned into an instant by asking for the offset in force at it.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

export function isTimeZone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(zone)) return false;
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** The wall-clock reading of an instant in a zone; weekday 1 (Monday) to 7 (Sunday). */
export function localTimeOf(at: Date, zone: string): LocalTime & { weekday: number } {
  const parts: Record<string, string> = {};
  for (const part of formatterFor(zone).formatToParts(at)) parts[part.type] = part.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    weekday: WEEKDAYS[parts.weekday ?? 'Mon'] ?? 1,
  };
}

/** How far the zone's clocks are ahead of UTC at an instant, in milliseconds. */
function offsetAt(at: number, zone: string): number {
  const wholeMinute = at - (at % 60_000);
  const local = localTimeOf(new Date(wholeMinute), zone);
  return Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute) - wholeMinute;
}

/**
 * The instant a zone's clocks show `local`. A time skipped by a DST change (02:30 on a spring-forward
 * night) moves forward by the gap, as a wall clock would; a repeated one (autumn) takes the first.
 */
export function instantOf(local: LocalTime, zone: string): Date {
  const naive = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
  // Offsets change at most once around a given day: the one in force a day before and a day after.
  const before = naive - offsetAt(naive - 86_400_000, zone);
  const after = naive - offsetAt(naive + 86_400_000, zone);
  const readsAsLocal = (t: number) => {
    const l = localTimeOf(new Date(t), zone);
    return l.day === local.day && l.hour === local.hour && l.minute === local.minute;
  };
  const valid = [before, after].filter(readsAsLocal).sort((a, b) => a - b);
  // Neither reads as `local`: a skipped hour. The offset from before the change moves it forward by the gap.
  return new Date(valid[0] ?? before);
}

/** A date as typed (`2026-12-01`, `2026-12-01T09:00`, `2026-12-01 09:00`) and its zone, if one was named. */
export interface WhenText {
  text: string;
  zone?: string;
}

export interface ScheduleClock {
  /** The zone in which dates without one are read (RELEASE_TIMEZONE). */
  zone: string;
  /** The time of day a date alone stands for (RELEASE_FREEZE_TIME). */
  defaultTime: { hour: number; minute: number };
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?$/;

/** `HH:MM` on a 24-hour clock, or undefined. */
export function parseTimeOfDay(text: string): { hour: number; minute: number } | undefined {
  const match = /^(\d{2}):(\d{2})$/.exec(text.trim());
  if (!match) return undefined;
  const hour = Number(match[1]);
  const minute = Number(match[2]);
  return hour < 24 && minute < 60 ? { hour, minute } : undefined;
}

/**
 * A date as people type it: `2026-12-01`, `2026-12-01T09:00` or `2026-12-01 09:00`, in `zone` when given
 * (an IANA name) or else the release time zone.
 */
export function parseWhen(label: string, text: string, zone: string | undefined, clock: ScheduleClock): Date {
  const shown = `${label}=${text.slice(0, 30)}${zone ? ` ${zone.slice(0, 40)}` : ''}`;
  const match = DATE_TIME.exec(text.trim());
  if (!match) {
    throw new AppError(
      'invalid_input',
      `\`${shown}\` is not a date: use YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DD HH:MM, optionally followed by a time zone such as Europe/Berlin.`,
    );
  }
  if (zone !== undefined && !isTimeZone(zone)) {
    throw new AppError(
      'invalid_input',
      `\`${zone.slice(0, 40)}\` is not a time zone: use an IANA name such as Europe/Berlin or UTC.`,
    );
  }
  const [, y, mo, d, h, mi] = match;
  const local: LocalTime = {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: h === undefined ? clock.defaultTime.hour : Number(h),
    minute: mi === undefined ? clock.defaultTime.minute : Number(mi),
  };
  const calendarDay = new Date(Date.UTC(local.year, local.month - 1, local.day));
  if (
    calendarDay.getUTCMonth() !== local.month - 1 ||
    calendarDay.getUTCDate() !== local.day ||
    local.hour > 23 ||
    local.minute > 59
  ) {
    throw new AppError('invalid_input', `\`${shown}\` is not a real date and time.`);
  }
  return instantOf(local, zone ?? clock.zone);
}

/** Refuses freeze and ship times that cannot be kept: in the past, or a ship before the freeze. */
export function checkScheduleTimes(
  times: { freezeAt?: Date | null; shipAt?: Date | null },
  now: Date,
  changed: { freezeAt: boolean; shipAt: boolean },
): void {
  for (const [name, at, isNew] of [
    ['freeze', times.freezeAt, changed.freezeAt],
    ['ship', times.shipAt, changed.shipAt],
  ] as const) {
    if (isNew && at && at.getTime() <= now.getTime()) {
      throw new AppError(
        'invalid_input',
        `The ${name} time ${at.toISOString().slice(0, 16).replace('T', ' ')} UTC is in the past: pick a later one.`,
      );
    }
  }
  if (times.freezeAt && times.shipAt && times.shipAt.getTime() <= times.freezeAt.getTime()) {
    throw new AppError(
      'invalid_input',
      `The ship time must come after the freeze time (${times.freezeAt.toISOString().slice(0, 16).replace('T', ' ')} UTC).`,
    );
  }
}

/** When reminders may reach people: a daily window on some weekdays, in a zone. */
export interface WorkingHours {
  zone: string;
  /** Minutes after local midnight. */
  startMinute: number;
  endMinute: number;
  /** 1 (Monday) … 7 (Sunday). */
  days: ReadonlySet<number>;
}

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/**
 * `09:00-18:00` (Monday to Friday) or `09:00-18:00 Mon-Sat` / `08:00-16:00 Mon,Wed,Fri`; a range may run
 * across the weekend (`Sun-Thu`, `Fri-Mon`).
 */
export function parseWorkingHours(text: string, zone: string): WorkingHours | undefined {
  const match = /^(\d{2}:\d{2})-(\d{2}:\d{2})(?:\s+([A-Za-z,-]+))?$/.exec(text.trim());
  if (!match) return undefined;
  const start = parseTimeOfDay(match[1] ?? '');
  const end = parseTimeOfDay(match[2] ?? '');
  if (!start || !end) return undefined;
  const startMinute = start.hour * 60 + start.minute;
  const endMinute = end.hour * 60 + end.minute;
  if (endMinute <= startMinute) return undefined;
  const days = parseDays(match[3] ?? 'mon-fri');
  return days ? { zone, startMinute, endMinute, days } : undefined;
}

function parseDays(text: string): Set<number> | undefined {
  const days = new Set<number>();
  for (const part of text.toLowerCase().split(',')) {
    const [from, to] = part.split('-');
    const a = DAY_NAMES.indexOf(from ?? '');
    const b = to === undefined ? a : DAY_NAMES.indexOf(to);
    if (a < 0 || b < 0) return undefined;
    // Across the weekend when the range ends before it starts: Sun-Thu is Sun, Mon, … Thu.
    const length = (b - a + 7) % 7;
    for (let i = 0; i <= length; i++) days.add(((a + i) % 7) + 1);
  }
  return days;
}

export function isWorkingTime(at: Date, hours: WorkingHours): boolean {
  const local = localTimeOf(at, hours.zone);
  const minute = local.hour * 60 + local.minute;
  return hours.days.has(local.weekday) && minute >= hours.startMinute && minute < hours.endMinute;
}

/** `at` itself if it is inside working hours, else the next opening. */
export function nextWorkingTime(at: Date, hours: WorkingHours): Date {
  if (isWorkingTime(at, hours)) return at;
  for (let dayOffset = 0; dayOffset <= 8; dayOffset++) {
    const probe = new Date(at.getTime() + dayOffset * 86_400_000);
    const local = localTimeOf(probe, hours.zone);
    if (!hours.days.has(local.weekday)) continue;
    const opening = instantOf(
      {
        year: local.year,
        month: local.month,
        day: local.day,
        hour: Math.floor(hours.startMinute / 60),
        minute: hours.startMinute % 60,
      },
      hours.zone,
    );
    if (opening.getTime() > at.getTime()) return opening;
  }
  return at;
}

/** "3 h 20 min", "2 d 4 h": how late something is, for people. */
export function describeDelay(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
  return `${Math.floor(hours / 24)} d${hours % 24 ? ` ${hours % 24} h` : ''}`;
}
