/** What the gate knows about one issue named by a pipeline. */
export interface GateIssue {
  key: string;
  type: string;
  fixVersions: string[];
}

export type IssueVerdict =
  'fix_for_release' | 'exception' | 'not_a_fix' | 'other_release' | 'not_found' | 'unverified';

export interface GateDecision {
  allowed: boolean;
  reason: string;
  release: string | null;
  checkedIssues: { key: string; type: string | null; fixVersions: string[]; verdict: IssueVerdict }[];
}

export interface GateInput {
  service: string;
  environment: string;
  issues: string[];
}

export interface GateContext {
  gatedEnvironments: readonly string[];
  /** The frozen release (its Jira fixVersion name and its own version), if any. */
  frozen: { version: string; fixVersionName: string } | undefined;
  fixTypes: readonly string[];
  /** Issue keys with an approved exception for this release and service. */
  exceptions: ReadonlySet<string>;
  /** Looked-up issues; undefined when Jira could not be asked. */
  lookup: ReadonlyMap<string, GateIssue> | undefined;
  failOpen: boolean;
}

/** The freeze rule, pure: who may change pre-prod while a release is frozen. */
export function decideGate(input: GateInput, ctx: GateContext): GateDecision {
  const release = ctx.frozen?.version ?? null;
  if (!ctx.gatedEnvironments.includes(input.environment)) {
    return {
      allowed: true,
      reason: `environment ${input.environment} is not gated`,
      release,
      checkedIssues: [],
    };
  }
  if (!ctx.frozen) return { allowed: true, reason: 'no release is frozen', release: null, checkedIssues: [] };
  const frozen = ctx.frozen;
  if (input.issues.length === 0) {
    return {
      allowed: false,
      reason: `${frozen.version} is frozen: a change must name the bug fix(es) for ${frozen.version} it carries`,
      release,
      checkedIssues: [],
    };
  }
  const fixTypes = ctx.fixTypes.map((t) => t.toLowerCase());
  const checkedIssues = input.issues.map((key) => {
    if (ctx.exceptions.has(key))
      return {
        key,
        type: ctx.lookup?.get(key)?.type ?? null,
        fixVersions: ctx.lookup?.get(key)?.fixVersions ?? [],
        verdict: 'exception' as const,
      };
    if (!ctx.lookup) return { key, type: null, fixVersions: [], verdict: 'unverified' as const };
    const issue = ctx.lookup.get(key);
    if (!issue) return { key, type: null, fixVersions: [], verdict: 'not_found' as const };
    const verdict: IssueVerdict = !fixTypes.includes(issue.type.toLowerCase())
      ? 'not_a_fix'
      : issue.fixVersions.some((v) => v.toLowerCase() === frozen.fixVersionName.toLowerCase())
        ? 'fix_for_release'
        : 'other_release';
    return { key, type: issue.type, fixVersions: issue.fixVersions, verdict };
  });
  const unverified = checkedIssues.filter((c) => c.verdict === 'unverified');
  if (unverified.length > 0) {
    const keys = unverified.map((c) => c.key).join(', ');
    return ctx.failOpen
      ? {
          allowed: true,
          reason: `could not verify ${keys}: Jira unavailable (allowed: GATE_FAIL_OPEN=true)`,
          release,
          checkedIssues,
        }
      : { allowed: false, reason: `could not verify ${keys}: Jira unavailable`, release, checkedIssues };
  }
  const refused = checkedIssues.filter((c) => c.verdict !== 'fix_for_release' && c.verdict !== 'exception');
  if (refused.length === 0) {
    return {
      allowed: true,
      reason: `every issue is a fix for ${frozen.version} or has an approved exception`,
      release,
      checkedIssues,
    };
  }
  const why = refused
    .map((c) => `${c.key} ${VERDICT_WORDS[c.verdict](c, frozen.fixVersionName, ctx.fixTypes)}`)
    .join('; ');
  return { allowed: false, reason: `${frozen.version} is frozen: ${why}`, release, checkedIssues };
}

const VERDICT_WORDS: Record<
  IssueVerdict,
  (
    c: { type: string | null; fixVersions: string[] },
    fixVersion: string,
    fixTypes: readonly string[],
  ) => string
> = {
  fix_for_release: () => 'is a fix for this release',
  exception: () => 'has an approved exception',
  not_a_fix: (c, _v, fixTypes) => `is a ${c.type ?? 'ticket'}, not a ${fixTypes.join('/')}`,
  other_release: (c, v) => `is not fixed in ${v} (fixVersions: ${c.fixVersions.join(', ') || 'none'})`,
  not_found: () => 'does not exist in Jira',
  unverified: () => 'could not be verified',
};

/** What makes two gate questions the same change: the commit, or else the set of issue keys. */
export function gateChangeKey(input: { commit?: string; issues: readonly string[] }): string {
  return input.commit ? `commit:${input.commit}` : `issues:${[...input.issues].sort().join(',')}`;
}

/** Jira keys as pipelines send them (branch names are often lower-case): Jira itself ignores case. */
export const ISSUE_KEY = /^[A-Z][A-Z0-9_]{0,19}-\d{1,9}$/;
export const SERVICE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function normalizeIssueKey(raw: string): string {
  return raw.trim().toUpperCase();
}
