import { describe, expect, it } from 'vitest';
import { decideGate, type GateContext, type GateIssue } from '../../../src/domain/gate.js';

const issues = new Map<string, GateIssue>([
  ['B-1', { key: 'B-1', type: 'Bug', fixVersions: ['2.4'] }],
  ['B-2', { key: 'B-2', type: 'Story', fixVersions: ['2.4'] }],
  ['B-3', { key: 'B-3', type: 'bug', fixVersions: ['2.5', 'Blog 2.4'] }],
]);
const ctx = (over: Partial<GateContext> = {}): GateContext => ({
  gatedEnvironments: ['preprod'],
  frozen: { version: '2.4', fixVersionName: '2.4' },
  fixTypes: ['Bug'],
  exceptions: new Set(),
  lookup: issues,
  failOpen: false,
  ...over,
});
const input = (keys: string[], environment = 'preprod') => ({ service: 'blog', environment, issues: keys });

describe('the freeze-gate decision', () => {
  it.each<[string, ReturnType<typeof input>, Partial<GateContext>, boolean, string]>([
    ['nothing frozen', input([]), { frozen: undefined }, true, 'no release is frozen'],
    ['ungated environment', input(['B-2'], 'dev'), {}, true, 'environment dev is not gated'],
    [
      'bug for the release',
      input(['B-1']),
      {},
      true,
      'every issue is a fix for 2.4 or has an approved exception',
    ],
    [
      'no issue',
      input([]),
      {},
      false,
      '2.4 is frozen: a change must name the bug fix(es) for 2.4 it carries',
    ],
    ['story', input(['B-1', 'B-2']), {}, false, '2.4 is frozen: B-2 is a Story, not a Bug'],
    [
      'exception',
      input(['B-2']),
      { exceptions: new Set(['B-2']) },
      true,
      'every issue is a fix for 2.4 or has an approved exception',
    ],
    [
      'templated fixVersion, type case-insensitive',
      input(['B-3']),
      { frozen: { version: '2.4', fixVersionName: 'Blog 2.4' } },
      true,
      'every issue is a fix for 2.4 or has an approved exception',
    ],
    [
      'configurable fix types',
      input(['B-2']),
      { fixTypes: ['Bug', 'Story'] },
      true,
      'every issue is a fix for 2.4 or has an approved exception',
    ],
    [
      'Jira down, closed',
      input(['B-1']),
      { lookup: undefined },
      false,
      'could not verify B-1: Jira unavailable',
    ],
    [
      'Jira down, open',
      input(['B-1']),
      { lookup: undefined, failOpen: true },
      true,
      'could not verify B-1: Jira unavailable (allowed: GATE_FAIL_OPEN=true)',
    ],
  ])('%s', (_name, request, over, allowed, reason) => {
    const decision = decideGate(request, ctx(over));
    expect({ allowed: decision.allowed, reason: decision.reason }).toEqual({ allowed, reason });
  });
});
