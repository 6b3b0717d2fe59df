import { describe, expect, it } from 'vitest';
import { formatDuration, parseDurationSeconds } from '../../../src/domain/duration.js';
import { containsJson, sameJson } from '../../../src/domain/devenv/objects.js';
import { AppError } from '../../../src/domain/errors.js';
import {
  describeState,
  nextState,
  revisionAtFreeze,
  staleRevisionProblem,
} from '../../../src/domain/release.js';
import {
  jiraVersionName,
  jqlString,
  scopeCondition,
  scopeJql,
  summarizeScope,
  summaryFromCounts,
  type ScopeIssue,
} from '../../../src/domain/scope.js';
import { parseVersionName, versionKey } from '../../../src/domain/version.js';

describe('durations', () => {
  it.each<[string, number | undefined]>([
    ['90s', 90],
    ['30m', 1800],
    ['8h', 28_800],
    ['2d', 172_800],
    ['1h30m', 5400],
    [' 1D2H ', 93_600],
    ['0s', undefined],
    ['0h0m', undefined],
    ['', undefined],
    ['10', undefined],
    ['h', undefined],
    ['1w', undefined],
    ['1h 30m', undefined],
    ['-1h', undefined],
    ['1h30', undefined],
  ])('reads %j as %j seconds', (text, seconds) => {
    expect(parseDurationSeconds(text)).toBe(seconds);
  });

  it.each<[number, string]>([
    [86_400, '1d'],
    [172_800, '2d'],
    [7200, '2h'],
    [3600, '1h'],
    [5400, '1h30m'],
    [3660, '1h1m'],
    [90_000, '25h'],
    [1800, '30m'],
    [60, '1m'],
    [90, '90s'],
    [59, '59s'],
  ])('writes %i seconds as %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe('JSON comparison of Kubernetes objects', () => {
  it.each<[unknown, unknown, boolean]>([
    [{ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }, true],
    [{ a: 1, b: undefined }, { a: 1 }, true],
    [{ a: 1 }, { a: 2 }, false],
    [[1, 2], [2, 1], false],
    [{ a: { b: 'x' } }, { a: { b: 'x', c: 1 } }, false],
    ['x', 'x', true],
    [null, null, true],
    [null, {}, false],
    [{ z: 1, a: 2 }, { a: 2, z: 1 }, true],
    [{ b: 1, a: 1 }, { a: 1, b: 2 }, false],
  ])('sameJson(%j, %j) is %s', (a, b, same) => {
    expect(sameJson(a, b)).toBe(same);
  });

  it.each<[unknown, unknown, boolean]>([
    [{ a: 1 }, { a: 1, managedByOthers: true }, true],
    [{ a: { b: [1, { c: 2 }] } }, { a: { b: [1, { c: 2, d: 3 }], e: 1 } }, true],
    [{ a: [1, 2] }, { a: [1, 2, 3] }, false],
    [{ a: [1, 2] }, { a: [1] }, false],
    [{ a: [1] }, { a: 'not a list' }, false],
    [{ a: { b: 1 } }, { a: [{ b: 1 }] }, false],
    [{ a: { b: 1 } }, { a: null }, false],
    [{ a: { b: 1 } }, { a: 'x' }, false],
    [{ a: undefined, b: 1 }, { b: 1 }, true],
    [{ a: 1 }, {}, false],
    ['x', 'y', false],
    [2, 2, true],
  ])('containsJson(%j, %j) is %s', (desired, observed, contains) => {
    expect(containsJson(desired, observed)).toBe(contains);
  });
});

describe('release rules in words', () => {
  it.each([
    ['planned', 'planned'],
    ['frozen', 'frozen'],
    ['signed_off', 'signed off'],
    ['released', 'released'],
    ['cancelled', 'cancelled'],
  ] as const)('%s reads %s', (state, words) => {
    expect(describeState(state)).toBe(words);
  });

  it.each([
    ['planned', 'ship', 'Cannot ship 2.4: it is planned (only a signed off release can be).'],
    [
      'planned',
      'unfreeze',
      'Cannot unfreeze 2.4: it is planned (only a frozen or signed off release can be).',
    ],
    [
      'released',
      'cancel',
      'Cannot cancel 2.4: it is released (only a planned or frozen or signed off release can be).',
    ],
    ['planned', 'sign_off', 'Cannot sign off 2.4: it is planned (only a frozen release can be).'],
    [
      'frozen',
      'revoke_sign_off',
      'Cannot reopen sign-off of 2.4: it is frozen (only a signed off release can be).',
    ],
  ] as const)('refusing %s --%s--> says %j', (from, transition, message) => {
    expect(() => nextState('2.4', from, transition)).toThrow(new AppError('illegal_transition', message));
  });

  it('starts a new revision only on a re-freeze', () => {
    expect(revisionAtFreeze({ revision: 1, frozenBefore: false })).toBe(1);
    expect(revisionAtFreeze({ revision: 3, frozenBefore: true })).toBe(4);
  });

  it('explains a vote on an old revision', () => {
    expect(staleRevisionProblem(2, 2)).toBeUndefined();
    expect(staleRevisionProblem(1, 3)).toBe('This is revision 1, the current one is 3');
  });
});

describe('version names', () => {
  it.each([
    [undefined, 'Name a release version, e.g. `2.4`.'],
    ['   ', 'Name a release version, e.g. `2.4`.'],
    [
      'x y',
      '`x y` is not a valid version: use 1 to 64 letters, digits, `.`, `_` or `-`, starting with a letter or digit.',
    ],
    [
      `${'a'.repeat(80)}!`,
      `\`${'a'.repeat(70)}\` is not a valid version: use 1 to 64 letters, digits, \`.\`, \`_\` or \`-\`, starting with a letter or digit.`,
    ],
  ])('refuses %j with %j', (raw, message) => {
    expect(() => parseVersionName(raw)).toThrow(new AppError('invalid_input', message));
  });

  it('trims, keeps case, and keys lower-case', () => {
    expect(parseVersionName('  Blog-2.4 ')).toBe('Blog-2.4');
    expect(versionKey('Blog-2.4-RC')).toBe('blog-2.4-rc');
  });
});

const issue = (key: string, type: string, statusCategory: ScopeIssue['statusCategory']): ScopeIssue => ({
  key,
  summary: key,
  type,
  status: statusCategory,
  statusCategory,
  assignee: null,
  priority: null,
});

describe('the Jira scope', () => {
  it('counts by category and type, and lists what is not done', () => {
    const issues = [
      issue('A-1', 'Bug', 'done'),
      issue('A-2', 'Bug', 'new'),
      issue('A-3', 'Story', 'indeterminate'),
      issue('A-4', 'Task', 'undefined'),
    ];
    expect(summarizeScope(issues)).toEqual({
      total: 4,
      byCategory: { todo: 2, inProgress: 1, done: 1 },
      byType: { Bug: 2, Story: 1, Task: 1 },
      notDone: [issues[1], issues[2], issues[3]],
    });
  });

  it('sums estimated types of done tickets, the rest as Other, and drops zero counts', () => {
    const notDone = [issue('A-2', 'Bug', 'new')];
    expect(summaryFromCounts(notDone, 10, { Bug: 3, Story: 4, Task: 0 })).toEqual({
      total: 11,
      byCategory: { todo: 1, inProgress: 0, done: 10 },
      byType: { Bug: 4, Story: 4, Other: 3 },
      notDone,
      typesEstimated: true,
    });
    expect(summaryFromCounts([], 2, { Bug: 5 }).byType).toEqual({ Bug: 5 });
    expect(summaryFromCounts([issue('A-1', 'Other', 'new')], 1, {}).byType).toEqual({ Other: 2 });
  });

  it.each([
    ['plain', '"plain"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['back\\slash', '"back\\\\slash"'],
    ['a\nb\rc\td', '"a b c d"'],
    ['2.4" OR project = X', '"2.4\\" OR project = X"'],
  ])('quotes %j as %s', (value, quoted) => {
    expect(jqlString(value)).toBe(quoted);
  });

  it('builds the scope query for one project and for several', () => {
    expect(scopeCondition(['BLOG'], '2.4')).toBe('project = "BLOG" AND fixVersion = "2.4"');
    expect(scopeJql(['BLOG', 'TAG'], 'Blog 2.4')).toBe(
      'project in ("BLOG", "TAG") AND fixVersion = "Blog 2.4" ORDER BY key ASC',
    );
    expect(jiraVersionName('Blog {version}', '2.4')).toBe('Blog 2.4');
    expect(jiraVersionName('{version}', '2.4')).toBe('2.4');
  });
});
