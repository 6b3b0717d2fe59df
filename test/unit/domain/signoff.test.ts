import { describe, expect, it } from 'vitest';
import {
  describeMissingSignoff,
  parseMember,
  parseRoleSeed,
  tallySignoff,
  type SignoffRole,
  type Vote,
} from '../../../src/domain/signoff.js';

const roles: SignoffRole[] = [
  { name: 'qa', members: ['SQA'], quorum: 2 },
  { name: 'product', members: ['UPM1'], quorum: 1 },
];
const approve = (voter: string, roles: string[], revision = 1): Vote => ({
  voter,
  decision: 'approve',
  reason: null,
  revision,
  roles,
});

describe('sign-off tally', () => {
  it('is incomplete until every role reaches its quorum', () => {
    const tally = tallySignoff(roles, [approve('UQA1', ['qa']), approve('UPM1', ['product'])], 1);
    expect(tally).toEqual({
      roles: [
        { role: 'qa', quorum: 2, approvedBy: ['UQA1'], missing: 1 },
        { role: 'product', quorum: 1, approvedBy: ['UPM1'], missing: 0 },
      ],
      rejections: [],
      stale: [],
      complete: false,
    });
    expect(describeMissingSignoff(tally)).toBe('qa needs 1 more approval');
  });

  it('completes when every quorum is met', () => {
    const tally = tallySignoff(
      roles,
      [approve('UQA1', ['qa']), approve('UQA2', ['qa']), approve('UPM1', ['product'])],
      1,
    );
    expect(tally.complete).toBe(true);
    expect(describeMissingSignoff(tally)).toBeUndefined();
  });

  it('one vote counts for every role the voter holds', () => {
    const tally = tallySignoff(
      [
        { name: 'qa', members: [], quorum: 1 },
        { name: 'product', members: [], quorum: 1 },
      ],
      [approve('U1', ['qa', 'product'])],
      1,
    );
    expect(tally.complete).toBe(true);
  });

  it('a standing rejection blocks completion', () => {
    const reject: Vote = {
      voter: 'UQA3',
      decision: 'reject',
      reason: 'login broken',
      revision: 1,
      roles: ['qa'],
    };
    const tally = tallySignoff(
      roles,
      [approve('UQA1', ['qa']), approve('UQA2', ['qa']), approve('UPM1', ['product']), reject],
      1,
    );
    expect(tally.complete).toBe(false);
    expect(describeMissingSignoff(tally)).toBe('<@UQA3> rejected: login broken');
  });

  it('votes for an older revision are stale and do not count', () => {
    const tally = tallySignoff(
      roles,
      [approve('UQA1', ['qa'], 1), approve('UQA2', ['qa'], 2), approve('UPM1', ['product'], 2)],
      2,
    );
    expect(tally.stale.map((v) => v.voter)).toEqual(['UQA1']);
    expect(tally.roles[0]).toEqual({ role: 'qa', quorum: 2, approvedBy: ['UQA2'], missing: 1 });
    expect(tally.complete).toBe(false);
  });

  it('a voter who voted again on the new revision is not listed as stale', () => {
    const tally = tallySignoff(roles, [approve('UQA1', ['qa'], 1), approve('UQA1', ['qa'], 2)], 2);
    expect(tally.stale).toEqual([]);
  });

  it('is never complete without roles', () => {
    expect(tallySignoff([], [], 1).complete).toBe(false);
  });
});

describe('members and role seeds', () => {
  it.each([
    ['<@U123ABC|ana>', 'U123ABC'],
    ['<@W123ABC>', 'W123ABC'],
    ['<!subteam^S456DEF|@qa>', 'S456DEF'],
    ['<!subteam^S456DEF>', 'S456DEF'],
    ['U777', 'U777'],
  ])('%s is %s', (token, id) => {
    expect(parseMember(token)).toBe(id);
  });
  it.each(['@ana', '<#C123|general>', 'u123', '<@U1|x'])('refuses %s', (token) => {
    expect(() => parseMember(token)).toThrow('is not a Slack user or user group');
  });
  it('parses SIGNOFF_ROLES', () => {
    expect(parseRoleSeed('qa=S456:2;product=U123,U789')).toEqual([
      { name: 'qa', members: ['S456'], quorum: 2 },
      { name: 'product', members: ['U123', 'U789'], quorum: 1 },
    ]);
  });
  it('refuses a malformed seed', () => {
    expect(() => parseRoleSeed('qa')).toThrow('is not name=members[:quorum]');
  });
});
