import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/domain/errors.js';
import {
  decideGate,
  gateChangeKey,
  normalizeIssueKey,
  type GateContext,
  type GateIssue,
} from '../../../src/domain/gate.js';
import {
  describeMissingSignoff,
  parseMember,
  parseQuorum,
  parseRoleName,
  parseRoleSeed,
  tallySignoff,
  type Vote,
} from '../../../src/domain/signoff.js';

const vote = (
  voter: string,
  decision: Vote['decision'],
  revision: number,
  roles = ['qa'],
  reason: string | null = null,
): Vote => ({
  voter,
  decision,
  reason,
  revision,
  roles,
});

describe('the tally, exactly', () => {
  const roles = [
    { name: 'qa', members: ['SQA'], quorum: 2 },
    { name: 'product', members: ['UPO'], quorum: 1 },
  ];

  it('counts approvals of the current revision per role; rejections block; older votes are stale unless renewed', () => {
    const tally = tallySignoff(
      roles,
      [
        vote('UA', 'approve', 2),
        vote('UB', 'approve', 1),
        vote('UC', 'approve', 1),
        vote('UC', 'approve', 2, ['qa', 'product']),
        vote('UD', 'reject', 2, ['qa'], 'broken'),
        vote('UE', 'approve', 3),
      ],
      2,
    );
    expect(tally).toEqual({
      roles: [
        { role: 'qa', quorum: 2, approvedBy: ['UA', 'UC'], missing: 0 },
        { role: 'product', quorum: 1, approvedBy: ['UC'], missing: 0 },
      ],
      rejections: [vote('UD', 'reject', 2, ['qa'], 'broken')],
      stale: [vote('UB', 'approve', 1)],
      complete: false,
    });
    expect(describeMissingSignoff(tally)).toBe('<@UD> rejected: broken');
  });

  it('says what is missing, role by role, in one line', () => {
    const tally = tallySignoff(roles, [vote('UA', 'approve', 1), vote('UR', 'reject', 1)], 1);
    expect(describeMissingSignoff(tally)).toBe(
      'qa needs 1 more approval; product needs 1 more approval; <@UR> rejected: no reason given',
    );
    expect(describeMissingSignoff(tallySignoff(roles, [], 1))).toBe(
      'qa needs 2 more approvals; product needs 1 more approval',
    );
    expect(describeMissingSignoff(tallySignoff([], [], 1))).toBe(
      'no sign-off roles are configured (`/release role set`)',
    );
    expect(
      describeMissingSignoff(
        tallySignoff(roles, [vote('UA', 'approve', 1, ['qa', 'product']), vote('UB', 'approve', 1)], 1),
      ),
    ).toBeUndefined();
  });
});

describe('role settings', () => {
  it.each([
    [' QA ', 'qa'],
    ['release_mgmt-2', 'release_mgmt-2'],
  ])('reads the role name %j as %j', (raw, name) => {
    expect(parseRoleName(raw)).toBe(name);
  });

  it.each([
    [undefined, '``'],
    ['2qa', '`2qa`'],
    [`q${'a'.repeat(32)}`, `\`q${'a'.repeat(32)}\``],
    [`${'x'.repeat(50)} `, `\`${'x'.repeat(40)}\``],
  ])('refuses the role name %j, quoting %s', (raw, quoted) => {
    expect(() => parseRoleName(raw)).toThrow(
      new AppError(
        'invalid_input',
        `${quoted} is not a valid role name: use up to 32 lowercase letters, digits, \`-\` or \`_\`, starting with a letter.`,
      ),
    );
  });

  it.each([
    ['<@U123|ana>', 'U123'],
    ['<@W999>', 'W999'],
    ['<!subteam^S456|@qa>', 'S456'],
    ['<!subteam^S456>', 'S456'],
    ['U0AB', 'U0AB'],
  ])('reads the member %j as %s', (token, id) => {
    expect(parseMember(token)).toBe(id);
  });

  it.each([
    'x<@U123>',
    '<@U123>x',
    'x<!subteam^S456>',
    '<!subteam^S456>x',
    'ana',
    '<#C123>',
    `U${'A'.repeat(50)}`,
  ])('refuses the member %j', (token) => {
    expect(() => parseMember(token)).toThrow(
      new AppError(
        'invalid_input',
        `\`${token.slice(0, 40)}\` is not a Slack user or user group: mention them (@ana, @qa-team) or give their ID.`,
      ),
    );
  });

  it.each([
    ['1', 1],
    ['50', 50],
  ])('takes the quorum %s', (raw, quorum) => {
    expect(parseQuorum(raw)).toBe(quorum);
  });

  it.each(['0', '51', '1.5', 'x', `${'9'.repeat(30)}`])('refuses the quorum %j', (raw) => {
    expect(() => parseQuorum(raw)).toThrow(
      new AppError(
        'invalid_input',
        `quorum must be a whole number from 1 to 50, not \`${raw.slice(0, 20)}\`.`,
      ),
    );
  });

  it('reads SIGNOFF_ROLES with spaces, empty parts and a default quorum of 1', () => {
    expect(parseRoleSeed(' qa = S456 , U12 :12 ; ; product=U123,,U789 ;')).toEqual([
      { name: 'qa', members: ['S456', 'U12'], quorum: 12 },
      { name: 'product', members: ['U123', 'U789'], quorum: 1 },
    ]);
  });

  it.each([
    ['qa', 'SIGNOFF_ROLES: "qa" is not name=members[:quorum]'],
    ['qa=U12:2x', 'SIGNOFF_ROLES: "qa=U12:2x" is not name=members[:quorum]'],
    ['xqa=U12:2:3', 'SIGNOFF_ROLES: "xqa=U12:2:3" is not name=members[:quorum]'],
    ['qa= , ', 'SIGNOFF_ROLES: role "qa" has no members'],
    ['qa=U12:0', 'quorum must be a whole number from 1 to 50, not `0`.'],
  ])('refuses SIGNOFF_ROLES=%j', (seed, message) => {
    expect(() => parseRoleSeed(seed)).toThrow(new AppError('invalid_input', message));
  });
});

const issues = new Map<string, GateIssue>([
  ['B-1', { key: 'B-1', type: 'Bug', fixVersions: ['2.4'] }],
  ['B-2', { key: 'B-2', type: 'Story', fixVersions: [] }],
  ['B-3', { key: 'B-3', type: 'Bug', fixVersions: ['2.5', '2.6'] }],
  ['B-4', { key: 'B-4', type: 'Bug', fixVersions: [] }],
]);
const ctx = (over: Partial<GateContext> = {}): GateContext => ({
  gatedEnvironments: ['preprod'],
  frozen: { version: '2.4', fixVersionName: '2.4' },
  fixTypes: ['Bug', 'Hotfix'],
  exceptions: new Set(),
  lookup: issues,
  failOpen: false,
  ...over,
});
const input = (keys: string[]) => ({ service: 'blog', environment: 'preprod', issues: keys });

describe('the gate’s reasons, exactly', () => {
  it('names every refused ticket with its own reason, in order', () => {
    expect(decideGate(input(['B-2', 'B-3', 'B-4', 'B-9']), ctx()).reason).toBe(
      '2.4 is frozen: B-2 is a Story, not a Bug/Hotfix; B-3 is not fixed in 2.4 (fixVersions: 2.5, 2.6); ' +
        'B-4 is not fixed in 2.4 (fixVersions: none); B-9 does not exist in Jira',
    );
  });

  it('records what it checked for each ticket, exceptions included', () => {
    const decision = decideGate(input(['B-1', 'B-2', 'B-9']), ctx({ exceptions: new Set(['B-2', 'B-9']) }));
    expect(decision).toEqual({
      allowed: true,
      reason: 'every issue is a fix for 2.4 or has an approved exception',
      release: '2.4',
      checkedIssues: [
        { key: 'B-1', type: 'Bug', fixVersions: ['2.4'], verdict: 'fix_for_release' },
        { key: 'B-2', type: 'Story', fixVersions: [], verdict: 'exception' },
        { key: 'B-9', type: null, fixVersions: [], verdict: 'exception' },
      ],
    });
  });

  it('lists every ticket it could not verify, and keeps its verdict', () => {
    const decision = decideGate(input(['B-1', 'B-2']), ctx({ lookup: undefined }));
    expect(decision).toEqual({
      allowed: false,
      reason: 'could not verify B-1, B-2: Jira unavailable',
      release: '2.4',
      checkedIssues: [
        { key: 'B-1', type: null, fixVersions: [], verdict: 'unverified' },
        { key: 'B-2', type: null, fixVersions: [], verdict: 'unverified' },
      ],
    });
  });

  it('matches the fix version without regard to case, and only that one', () => {
    const lookup = new Map([['B-1', { key: 'B-1', type: 'bug', fixVersions: ['blog 2.4'] }]]);
    expect(
      decideGate(input(['B-1']), ctx({ lookup, frozen: { version: '2.4', fixVersionName: 'Blog 2.4' } }))
        .allowed,
    ).toBe(true);
    expect(
      decideGate(input(['B-1']), ctx({ lookup, frozen: { version: '2.4', fixVersionName: 'Blog 2.5' } }))
        .allowed,
    ).toBe(false);
  });

  it('keys a change by its commit, or else by its sorted tickets', () => {
    expect(gateChangeKey({ commit: 'abc', issues: ['B-2', 'B-1'] })).toBe('commit:abc');
    expect(gateChangeKey({ issues: ['B-2', 'B-1', 'A-9'] })).toBe('issues:A-9,B-1,B-2');
    const keys = ['B-2', 'B-1'];
    gateChangeKey({ issues: keys });
    expect(keys).toEqual(['B-2', 'B-1']);
    expect(normalizeIssueKey('  blog-12 ')).toBe('BLOG-12');
  });
});
