import { describe, expect, it } from 'vitest';
import {
  checkScheduleTimes,
  describeDelay,
  isTimeZone,
  isWorkingTime,
  nextWorkingTime,
  parseTimeOfDay,
  parseWhen,
  parseWorkingHours,
} from '../../../src/domain/calendar.js';
import { AppError } from '../../../src/domain/errors.js';
import {
  dueActions,
  reminderDeferredUntil,
  type ScheduleFacts,
  type ScheduleSettings,
} from '../../../src/domain/schedule.js';

const clock = { zone: 'Europe/Berlin', defaultTime: { hour: 9, minute: 0 } };

describe('calendar rules, exactly', () => {
  it.each<[string, { hour: number; minute: number } | undefined]>([
    ['09:00', { hour: 9, minute: 0 }],
    [' 23:59 ', { hour: 23, minute: 59 }],
    ['00:00', { hour: 0, minute: 0 }],
    ['24:00', undefined],
    ['12:60', undefined],
    ['9:00', undefined],
    ['x09:00', undefined],
    ['09:00x', undefined],
  ])('reads the time of day %j', (text, time) => {
    expect(parseTimeOfDay(text)).toEqual(time);
  });

  it.each([
    ['UTC', true],
    ['Europe/Berlin', true],
    ['Etc/GMT+5', true],
    ['Not/AZone', false],
    ['/Europe/Berlin', false],
    ['Europe/Berlin;', false],
    [`${'A'.repeat(65)}`, false],
  ])('knows whether %j is a time zone: %s', (zone, known) => {
    expect(isTimeZone(zone)).toBe(known);
  });

  it.each([
    ['2026-12-01', '2026-12-01T08:00:00.000Z'],
    [' 2026-07-01 14:30 ', '2026-07-01T12:30:00.000Z'],
    ['2026-12-01T23:59', '2026-12-01T22:59:00.000Z'],
  ])('reads %j in the release zone as %s', (text, iso) => {
    expect(parseWhen('freeze', text, undefined, clock).toISOString()).toBe(iso);
  });

  it.each([
    ['2026-02-30', undefined, '`freeze=2026-02-30` is not a real date and time.'],
    ['2026-12-32', undefined, '`freeze=2026-12-32` is not a real date and time.'],
    ['2026-12-01 24:00', undefined, '`freeze=2026-12-01 24:00` is not a real date and time.'],
    ['2026-12-01 23:60', undefined, '`freeze=2026-12-01 23:60` is not a real date and time.'],
    [
      `tomorrow${'x'.repeat(40)}`,
      'Mars/Base',
      `\`freeze=tomorrow${'x'.repeat(22)} Mars/Base\` is not a date: use YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DD HH:MM, optionally followed by a time zone such as Europe/Berlin.`,
    ],
    [
      '2026-12-01',
      `Mars/${'B'.repeat(50)}`,
      `\`Mars/${'B'.repeat(35)}\` is not a time zone: use an IANA name such as Europe/Berlin or UTC.`,
    ],
  ])('refuses %j (zone %j) with %j', (text, zone, message) => {
    expect(() => parseWhen('freeze', text, zone, clock)).toThrow(new AppError('invalid_input', message));
  });

  it('refuses a new time that is now or past, and a ship at or before the freeze, naming the time', () => {
    const now = new Date('2026-12-01T10:00:00Z');
    const at = (iso: string) => new Date(iso);
    expect(() => checkScheduleTimes({ freezeAt: now }, now, { freezeAt: true, shipAt: false })).toThrow(
      new AppError('invalid_input', 'The freeze time 2026-12-01 10:00 UTC is in the past: pick a later one.'),
    );
    // A time that did not change may lie in the past (the freeze that already happened).
    expect(() =>
      checkScheduleTimes({ freezeAt: at('2026-11-01T00:00:00Z'), shipAt: at('2026-12-02T00:00:00Z') }, now, {
        freezeAt: false,
        shipAt: true,
      }),
    ).not.toThrow();
    expect(() =>
      checkScheduleTimes({ freezeAt: at('2026-12-03T09:00:00Z'), shipAt: at('2026-12-03T09:00:00Z') }, now, {
        freezeAt: true,
        shipAt: true,
      }),
    ).toThrow(
      new AppError('invalid_input', 'The ship time must come after the freeze time (2026-12-03 09:00 UTC).'),
    );
  });

  it.each<[string, { startMinute: number; endMinute: number; days: number[] } | undefined]>([
    ['09:00-18:00', { startMinute: 540, endMinute: 1080, days: [1, 2, 3, 4, 5] }],
    ['  08:30-16:15 Mon,Wed,Fri ', { startMinute: 510, endMinute: 975, days: [1, 3, 5] }],
    ['09:00-18:00 Sun-Thu', { startMinute: 540, endMinute: 1080, days: [7, 1, 2, 3, 4] }],
    ['09:00-18:00 Fri-Mon', { startMinute: 540, endMinute: 1080, days: [5, 6, 7, 1] }],
    ['09:00-18:00 sat', { startMinute: 540, endMinute: 1080, days: [6] }],
    ['09:00-18:00  Mon-Tue', { startMinute: 540, endMinute: 1080, days: [1, 2] }],
    ['18:00-09:00', undefined],
    ['09:00-09:00', undefined],
    ['09:00-24:00', undefined],
    ['09:00-18:00 Mon-Xyz', undefined],
    ['09:00-18:00 Funday', undefined],
    ['x09:00-18:00', undefined],
    ['09:00-18:00 Mon-Fri!', undefined],
  ])('reads WORKING_HOURS=%j', (text, expected) => {
    const hours = parseWorkingHours(text, 'Europe/Berlin');
    expect(
      hours && { startMinute: hours.startMinute, endMinute: hours.endMinute, days: [...hours.days] },
    ).toEqual(expected);
  });

  it('is working time from the opening minute to just before the closing one, in the zone', () => {
    const hours = parseWorkingHours('09:00-18:00', 'Europe/Berlin')!;
    // Tuesday 2026-12-01 in Berlin is UTC+1.
    expect(isWorkingTime(new Date('2026-12-01T07:59:00Z'), hours)).toBe(false);
    expect(isWorkingTime(new Date('2026-12-01T08:00:00Z'), hours)).toBe(true);
    expect(isWorkingTime(new Date('2026-12-01T16:59:00Z'), hours)).toBe(true);
    expect(isWorkingTime(new Date('2026-12-01T17:00:00Z'), hours)).toBe(false);
    expect(isWorkingTime(new Date('2026-12-05T10:00:00Z'), hours)).toBe(false);
  });

  it('finds the next opening: later today, the next working day, or across the weekend', () => {
    const hours = parseWorkingHours('09:00-18:00 Sun-Thu', 'Europe/Berlin')!;
    const next = (iso: string) => nextWorkingTime(new Date(iso), hours).toISOString();
    expect(next('2026-12-01T06:00:00Z')).toBe('2026-12-01T08:00:00.000Z');
    expect(next('2026-12-01T12:00:00Z')).toBe('2026-12-01T12:00:00.000Z');
    expect(next('2026-12-01T17:00:00Z')).toBe('2026-12-02T08:00:00.000Z');
    // Thursday evening: Friday and Saturday are off, Sunday opens.
    expect(next('2026-12-03T17:30:00Z')).toBe('2026-12-06T08:00:00.000Z');
  });

  it.each([
    [0, '0 min'],
    [59 * 60_000 + 29_000, '59 min'],
    [59 * 60_000 + 31_000, '1 h'],
    [90 * 60_000, '1 h 30 min'],
    [47 * 3600_000 + 59 * 60_000, '47 h 59 min'],
    [48 * 3600_000, '2 d'],
    [53 * 3600_000, '2 d 5 h'],
  ])('describes a delay of %i ms as %j', (ms, words) => {
    expect(describeDelay(ms)).toBe(words);
  });
});

describe('what the calendar says is due, exactly', () => {
  const settings: ScheduleSettings = {
    freezeReminderMs: 24 * 3600_000,
    signoffReminderMs: 24 * 3600_000,
    shipReminderMs: 4 * 3600_000,
    workingHours: parseWorkingHours('00:00-23:59 Mon-Sun', 'UTC')!,
  };
  const at = (iso: string) => new Date(iso);
  const planned: ScheduleFacts = {
    releaseId: 7,
    state: 'planned',
    revision: 1,
    freezeAt: at('2026-12-01T08:00:00Z'),
    shipAt: at('2026-12-08T08:00:00Z'),
    frozenAt: null,
    lastSignoffReminderAt: null,
  };
  const frozen: ScheduleFacts = {
    ...planned,
    state: 'frozen',
    revision: 3,
    frozenAt: at('2026-12-01T08:00:00Z'),
    lastSignoffReminderAt: at('2026-12-06T08:00:00Z'),
  };
  const none = () => false;

  it('names each action for good, with its due time and revision', () => {
    expect(dueActions([planned], none, at('2026-12-01T08:00:00Z'), settings)).toEqual([
      {
        kind: 'scheduled_freeze',
        key: `scheduled_freeze:7:${at('2026-12-01T08:00:00Z').getTime()}`,
        releaseId: 7,
        revision: 1,
        dueAt: at('2026-12-01T08:00:00Z'),
      },
    ]);
    expect(dueActions([planned], none, at('2026-12-01T07:59:59Z'), settings)).toEqual([
      {
        kind: 'freeze_reminder',
        key: `freeze_reminder:7:${at('2026-12-01T08:00:00Z').getTime()}`,
        releaseId: 7,
        revision: 1,
        dueAt: at('2026-11-30T08:00:00Z'),
      },
    ]);
  });

  it('counts a freeze by hand at the scheduled minute as kept, and an earlier one as not', () => {
    const atTime = { ...planned, frozenAt: at('2026-12-01T08:00:00Z') };
    expect(dueActions([atTime], none, at('2026-12-01T09:00:00Z'), settings)).toEqual([]);
    const before = { ...planned, frozenAt: at('2026-11-20T08:00:00Z') };
    expect(dueActions([before], none, at('2026-12-01T09:00:00Z'), settings).map((a) => a.kind)).toEqual([
      'scheduled_freeze',
    ]);
  });

  it('sends one ship reminder per release and ship time, whatever the revision, and no round beside it', () => {
    const now = at('2026-12-08T04:00:00Z');
    const due = dueActions([frozen], none, now, settings);
    expect(due).toEqual([
      {
        kind: 'ship_reminder',
        key: `ship_reminder:7:${at('2026-12-08T08:00:00Z').getTime()}`,
        releaseId: 7,
        revision: 3,
        dueAt: at('2026-12-08T04:00:00Z'),
      },
    ]);
    // The ship reminder counts as the latest round of sign-off reminders.
    const bumped = { ...frozen, revision: 4, lastSignoffReminderAt: at('2026-12-08T04:00:00Z') };
    const ran = new Set(due.map((d) => d.key));
    expect(dueActions([bumped], (k) => ran.has(k), at('2026-12-08T05:00:00Z'), settings)).toEqual([]);
    // A second release's ship reminder does not hold back this one's sign-off round.
    const other = { ...frozen, releaseId: 8, shipAt: at('2026-12-08T06:00:00Z') };
    const mine = {
      ...frozen,
      shipAt: at('2026-12-20T08:00:00Z'),
      lastSignoffReminderAt: at('2026-12-07T04:00:00Z'),
    };
    expect(dueActions([other, mine], none, now, settings).map((a) => [a.kind, a.releaseId])).toEqual([
      ['ship_reminder', 8],
      ['signoff_reminder', 7],
    ]);
  });

  it('sends no ship reminder at or after the ship time, nor one that would fall before the freeze', () => {
    expect(dueActions([frozen], none, at('2026-12-08T08:00:00Z'), settings).map((a) => a.kind)).toEqual([
      'signoff_reminder',
    ]);
    const frozenLate = { ...frozen, frozenAt: at('2026-12-08T04:00:00Z'), lastSignoffReminderAt: null };
    expect(dueActions([frozenLate], none, at('2026-12-08T06:00:00Z'), settings)).toEqual([]);
  });

  it('keys a sign-off round by revision and the last round, and sends none for a signed-off release', () => {
    const due = dueActions([frozen], none, at('2026-12-07T08:00:00Z'), settings);
    expect(due).toEqual([
      {
        kind: 'signoff_reminder',
        key: `signoff_reminder:7:3:${at('2026-12-06T08:00:00Z').getTime()}`,
        releaseId: 7,
        revision: 3,
        dueAt: at('2026-12-07T08:00:00Z'),
      },
    ]);
    expect(
      dueActions([{ ...frozen, state: 'signed_off' }], none, at('2026-12-07T08:00:00Z'), settings),
    ).toEqual([]);
    expect(dueActions([{ ...frozen, frozenAt: null }], none, at('2026-12-07T08:00:00Z'), settings)).toEqual(
      [],
    );
  });

  it('catches up on a round missed while the bot was down only inside working hours', () => {
    const office = { ...settings, workingHours: parseWorkingHours('09:00-18:00', 'UTC')! };
    // Due Monday 7 December 09:00; the bot comes back at 19:00: the round waits for Tuesday 09:00.
    const missed = { ...frozen, lastSignoffReminderAt: at('2026-12-06T08:00:00Z') };
    expect(dueActions([missed], none, at('2026-12-07T19:00:00Z'), office)).toEqual([]);
    expect(dueActions([missed], none, at('2026-12-08T08:59:00Z'), office)).toEqual([]);
    expect(dueActions([missed], none, at('2026-12-08T09:00:00Z'), office).map((d) => d.kind)).toEqual([
      'signoff_reminder',
    ]);
  });

  it('defers a scheduled reminder sent after closing time to the next opening, and nothing else', () => {
    const hours = parseWorkingHours('09:00-18:00', 'UTC')!;
    // Friday 4 December 2026, 18:05: Monday 09:00.
    expect(reminderDeferredUntil('scheduled', at('2026-12-04T18:05:00Z'), hours)).toEqual(
      at('2026-12-07T09:00:00Z'),
    );
    expect(reminderDeferredUntil('scheduled', at('2026-12-04T17:59:00Z'), hours)).toBeUndefined();
    expect(reminderDeferredUntil('ship', at('2026-12-04T18:05:00Z'), hours)).toBeUndefined();
    expect(reminderDeferredUntil('manual', at('2026-12-04T18:05:00Z'), hours)).toBeUndefined();
  });

  it('sends the ship reminder instead of a sign-off round that falls due in the same pass', () => {
    // The daily round was due at 12-07 08:00 and is still unsent; the ship reminder is due at 04:00.
    expect(dueActions([frozen], none, at('2026-12-08T05:00:00Z'), settings).map((d) => d.kind)).toEqual([
      'ship_reminder',
    ]);
    // Another release's round is not held back by this one's ship reminder.
    const other = { ...frozen, releaseId: 8, shipAt: null };
    expect(
      dueActions([frozen, other], none, at('2026-12-08T05:00:00Z'), settings).map((d) => [
        d.kind,
        d.releaseId,
      ]),
    ).toEqual([
      ['ship_reminder', 7],
      ['signoff_reminder', 8],
    ]);
  });
});
