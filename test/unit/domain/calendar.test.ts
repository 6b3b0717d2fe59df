import { describe, expect, it } from 'vitest';
import {
  checkScheduleTimes,
  instantOf,
  isTimeZone,
  nextWorkingTime,
  parseWhen,
  parseWorkingHours,
} from '../../../src/domain/calendar.js';
import {
  dueActions,
  nextScheduledAction,
  type ScheduleFacts,
  type ScheduleSettings,
} from '../../../src/domain/schedule.js';

const berlin = { zone: 'Europe/Berlin', defaultTime: { hour: 9, minute: 0 } };
const iso = (d: Date) => d.toISOString();

describe('reading typed dates in a zone', () => {
  it.each([
    ['2026-12-01', undefined, '2026-12-01T08:00:00.000Z'],
    ['2026-12-01T14:30', undefined, '2026-12-01T13:30:00.000Z'],
    ['2026-12-01 14:30', undefined, '2026-12-01T13:30:00.000Z'],
    ['2026-12-01 14:30', 'America/New_York', '2026-12-01T19:30:00.000Z'],
    ['2026-07-01', 'UTC', '2026-07-01T09:00:00.000Z'],
    // The spring-forward Sunday: 09:00 is already summer time (UTC+2), the Saturday before is not.
    ['2026-03-28', undefined, '2026-03-28T08:00:00.000Z'],
    ['2026-03-29', undefined, '2026-03-29T07:00:00.000Z'],
    // 02:30 does not exist that night: a wall clock shows 03:30 summer time.
    ['2026-03-29 02:30', undefined, '2026-03-29T01:30:00.000Z'],
    // 02:30 happens twice in autumn: the first (summer time) one.
    ['2026-10-25 02:30', undefined, '2026-10-25T00:30:00.000Z'],
  ])('%s in %s', (text, zone, expected) => {
    expect(iso(parseWhen('freeze', text, zone, berlin))).toBe(expected);
  });

  it.each([
    ['2026-02-30', undefined, 'not a real date'],
    ['2026-12-01 25:00', undefined, 'not a real date'],
    ['tomorrow', undefined, 'is not a date'],
    ['2026-12-01', 'Mars/Olympus', 'is not a time zone'],
  ])('refuses %s %s', (text, zone, message) => {
    expect(() => parseWhen('freeze', text, zone, berlin)).toThrow(message);
  });

  it('knows zones', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Europe/Atlantis')).toBe(false);
    expect(isTimeZone('../etc/passwd')).toBe(false);
  });

  it('refuses times in the past and a ship before the freeze', () => {
    const now = new Date('2026-11-26T12:00:00Z');
    const changed = { freezeAt: true, shipAt: true };
    expect(() => checkScheduleTimes({ freezeAt: new Date('2026-11-26T11:00:00Z') }, now, changed)).toThrow(
      'is in the past',
    );
    expect(() =>
      checkScheduleTimes(
        { freezeAt: new Date('2026-12-02T09:00:00Z'), shipAt: new Date('2026-12-01T09:00:00Z') },
        now,
        changed,
      ),
    ).toThrow('must come after the freeze');
    // An unchanged time that has passed (the release froze then) does not block moving the ship time.
    expect(() =>
      checkScheduleTimes(
        { freezeAt: new Date('2026-11-20T09:00:00Z'), shipAt: new Date('2026-12-01T09:00:00Z') },
        now,
        { freezeAt: false, shipAt: true },
      ),
    ).not.toThrow();
  });

  it('round-trips wall-clock times in far zones', () => {
    const at = instantOf({ year: 2026, month: 12, day: 31, hour: 23, minute: 45 }, 'Pacific/Kiritimati');
    expect(iso(at)).toBe('2026-12-31T09:45:00.000Z');
  });
});

describe('working hours', () => {
  const hours = parseWorkingHours('09:00-18:00', 'Europe/Berlin')!;

  it('are Monday to Friday unless days are given', () => {
    expect([...hours.days]).toEqual([1, 2, 3, 4, 5]);
    expect([...parseWorkingHours('08:00-16:00 Mon,Wed-Thu', 'UTC')!.days]).toEqual([1, 3, 4]);
    expect(parseWorkingHours('18:00-09:00', 'UTC')).toBeUndefined();
    expect(parseWorkingHours('9-5', 'UTC')).toBeUndefined();
  });

  it('move a time outside them to the next opening, in the zone', () => {
    // Thursday 11:00 Berlin: inside.
    expect(iso(nextWorkingTime(new Date('2026-11-26T10:00:00Z'), hours))).toBe('2026-11-26T10:00:00.000Z');
    // Thursday 19:30 Berlin: Friday 09:00 Berlin.
    expect(iso(nextWorkingTime(new Date('2026-11-26T18:30:00Z'), hours))).toBe('2026-11-27T08:00:00.000Z');
    // Saturday: Monday 09:00.
    expect(iso(nextWorkingTime(new Date('2026-11-28T10:00:00Z'), hours))).toBe('2026-11-30T08:00:00.000Z');
    // Friday before the spring change, evening: Monday 09:00 summer time (07:00 UTC).
    expect(iso(nextWorkingTime(new Date('2026-03-27T18:00:00Z'), hours))).toBe('2026-03-30T07:00:00.000Z');
  });
});

describe('what the calendar says is due', () => {
  const settings: ScheduleSettings = {
    freezeReminderMs: 24 * 3600_000,
    signoffReminderMs: 24 * 3600_000,
    shipReminderMs: 4 * 3600_000,
    workingHours: parseWorkingHours('09:00-18:00', 'Europe/Berlin')!,
  };
  const planned: ScheduleFacts = {
    releaseId: 1,
    state: 'planned',
    revision: 1,
    freezeAt: new Date('2026-12-01T08:00:00Z'),
    shipAt: new Date('2026-12-08T08:00:00Z'),
    frozenAt: null,
    lastSignoffReminderAt: null,
  };
  const none = () => false;

  it('reminds a day before the freeze, then freezes at the time, each once', () => {
    expect(dueActions([planned], none, new Date('2026-11-30T07:59:00Z'), settings)).toEqual([]);
    const reminder = dueActions([planned], none, new Date('2026-11-30T08:00:00Z'), settings);
    expect(reminder.map((a) => a.kind)).toEqual(['freeze_reminder']);
    const ran = new Set(reminder.map((a) => a.key));
    expect(dueActions([planned], (k) => ran.has(k), new Date('2026-11-30T09:00:00Z'), settings)).toEqual([]);
    const freeze = dueActions([planned], (k) => ran.has(k), new Date('2026-12-01T08:00:00Z'), settings);
    expect(freeze.map((a) => a.kind)).toEqual(['scheduled_freeze']);
  });

  it('skips a reminder whose freeze has passed, and a freeze already kept by hand', () => {
    const late = dueActions([planned], none, new Date('2026-12-01T11:00:00Z'), settings);
    expect(late.map((a) => a.kind)).toEqual(['scheduled_freeze']);
    const keptByHand = { ...planned, frozenAt: new Date('2026-12-01T09:00:00Z') };
    expect(dueActions([keptByHand], none, new Date('2026-12-01T11:00:00Z'), settings)).toEqual([]);
  });

  it('reminds sign-off an interval after the freeze, inside working hours, then an interval after the last round', () => {
    // Frozen Friday 17:00 Berlin: 24 h later is Saturday, so Monday 09:00.
    const frozen: ScheduleFacts = {
      ...planned,
      state: 'frozen',
      frozenAt: new Date('2026-11-27T16:00:00Z'),
      shipAt: new Date('2026-12-10T08:00:00Z'),
    };
    expect(dueActions([frozen], none, new Date('2026-11-29T12:00:00Z'), settings)).toEqual([]);
    const monday = dueActions([frozen], none, new Date('2026-11-30T08:00:00Z'), settings);
    expect(monday.map((a) => [a.kind, iso(a.dueAt)])).toEqual([
      ['signoff_reminder', '2026-11-30T08:00:00.000Z'],
    ]);
    const after = { ...frozen, lastSignoffReminderAt: new Date('2026-11-30T08:00:00Z') };
    expect(dueActions([after], none, new Date('2026-12-01T07:59:00Z'), settings)).toEqual([]);
    expect(dueActions([after], none, new Date('2026-12-01T08:00:00Z'), settings)).toHaveLength(1);
  });

  it('reminds once more before the ship time, whatever the hour', () => {
    const frozen: ScheduleFacts = {
      ...planned,
      state: 'frozen',
      frozenAt: new Date('2026-12-07T08:00:00Z'),
      lastSignoffReminderAt: new Date('2026-12-07T20:00:00Z'),
      shipAt: new Date('2026-12-08T02:00:00Z'),
    };
    const due = dueActions([frozen], none, new Date('2026-12-07T22:00:00Z'), settings);
    expect(due.map((a) => a.kind)).toEqual(['ship_reminder']);
  });

  describe('the next scheduled action (the playground’s clock jumps to it)', () => {
    const next = (facts: ScheduleFacts[], at: string, ran: (key: string) => boolean = none) => {
      const action = nextScheduledAction(facts, ran, new Date(at), settings);
      return action && [action.kind, iso(action.dueAt)];
    };
    const frozen: ScheduleFacts = {
      ...planned,
      state: 'frozen',
      frozenAt: new Date('2026-12-01T08:00:00Z'),
      shipAt: new Date('2026-12-03T12:00:00Z'),
    };

    it('is the freeze reminder, then the freeze, each after it ran or came due', () => {
      expect(next([planned], '2026-11-29T12:00:00Z')).toEqual([
        'freeze_reminder',
        '2026-11-30T08:00:00.000Z',
      ]);
      const reminded = (key: string) => key.startsWith('freeze_reminder:');
      expect(next([planned], '2026-11-30T08:00:00Z', reminded)).toEqual([
        'scheduled_freeze',
        '2026-12-01T08:00:00.000Z',
      ]);
      // A due action is the pass's to run now, not the next one, even at night (only a sign-off round
      // waits for working hours).
      expect(next([planned], '2026-12-01T08:00:00Z')).toBeUndefined();
      expect(next([planned], '2026-12-01T20:00:00Z')).toBeUndefined();
    });

    it('is the next sign-off round, then the ship reminder, and nothing for a release without a calendar', () => {
      expect(next([frozen], '2026-12-01T09:00:00Z')).toEqual([
        'signoff_reminder',
        '2026-12-02T08:00:00.000Z',
      ]);
      const roundRan = (key: string) => key.startsWith('signoff_reminder:');
      expect(next([frozen], '2026-12-02T09:00:00Z', roundRan)).toEqual([
        'ship_reminder',
        '2026-12-03T08:00:00.000Z',
      ]);
      expect(next([{ ...planned, freezeAt: null, shipAt: null }], '2026-12-01T09:00:00Z')).toBeUndefined();
    });

    it('is the start of working hours for a round held back overnight', () => {
      // Due Wednesday 08:00 UTC, but at 19:00 Berlin it waits until Thursday 09:00 Berlin.
      expect(next([frozen], '2026-12-02T18:00:00Z', (k) => k.startsWith('ship_reminder:'))).toEqual([
        'signoff_reminder',
        '2026-12-03T08:00:00.000Z',
      ]);
    });
  });
});
