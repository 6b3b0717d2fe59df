/** A Jira ticket as far as a release cares. */
export interface ScopeIssue {
  key: string;
  summary: string;
  status: string;
  /** Jira's status category: `new` (to do), `indeterminate` (in progress) or `done`. */
  statusCategory: 'new' | 'indeterminate' | 'done' | 'undefined';
  type: string;
  assignee: string | null;
  priority: string | null;
  /** The ticket's fix versions, when the read asked for them (the gate's warm cache does). */
  fixVersions?: string[];
}

export interface ScopeSummary {
  total: number;
  byCategory: { todo: number; inProgress: number; done: number };
  byType: Record<string, number>;
  notDone: ScopeIssue[];
  /** True when the counts by type are Jira's estimates (approximate-count); every other number is exact. */
  typesEstimated?: boolean;
}

export function summarizeScope(issues: readonly ScopeIssue[]): ScopeSummary {
  const byType: Record<string, number> = {};
  for (const issue of issues) byType[issue.type] = (byType[issue.type] ?? 0) + 1;
  const count = (category: ScopeIssue['statusCategory']) =>
    issues.filter((i) => i.statusCategory === category).length;
  return {
    total: issues.length,
    byCategory: {
      todo: count('new') + count('undefined'),
      inProgress: count('indeterminate'),
      done: count('done'),
    },
    byType,
    notDone: issues.filter((i) => i.statusCategory !== 'done'),
  };
}

/** A JQL string literal: whatever the value holds, it stays one value and cannot change the query. */
export function jqlString(value: string): string {
  return `"${value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/[\r\n\t]/g, ' ')}"`;
}

/** The release's tickets as a JQL condition (no ORDER BY), to narrow further. */
export function scopeCondition(projects: readonly string[], versionName: string): string {
  const projectClause =
    projects.length === 1
      ? `project = ${jqlString(projects[0] ?? '')}`
      : `project in (${projects.map(jqlString).join(', ')})`;
  return `${projectClause} AND fixVersion = ${jqlString(versionName)}`;
}

export function scopeJql(projects: readonly string[], versionName: string): string {
  return `${scopeCondition(projects, versionName)} ORDER BY key ASC`;
}

/** Types counted one by one when the done tickets are counted rather than read; the rest is "Other". */
export const COUNTED_TYPES = ['Bug', 'Story', 'Task'] as const;

/**
 * The summary from the not-done tickets (read whole) and counts of the done ones: exact totals and
 * categories, types of done tickets from estimates.
 */
export function summaryFromCounts(
  notDone: readonly ScopeIssue[],
  doneCount: number,
  doneByTypeEstimate: Readonly<Record<string, number>>,
): ScopeSummary {
  const partial = summarizeScope(notDone);
  const byType = { ...partial.byType };
  let counted = 0;
  for (const [type, n] of Object.entries(doneByTypeEstimate)) {
    byType[type] = (byType[type] ?? 0) + n;
    counted += n;
  }
  const other = Math.max(0, doneCount - counted);
  if (other > 0) byType.Other = (byType.Other ?? 0) + other;
  for (const [type, n] of Object.entries(byType)) if (n === 0) delete byType[type];
  return {
    total: notDone.length + doneCount,
    byCategory: { ...partial.byCategory, done: doneCount },
    byType,
    notDone: partial.notDone,
    typesEstimated: true,
  };
}

export function jiraVersionName(template: string, version: string): string {
  return template.replace('{version}', version);
}

/** A release's Jira version in one configured project (absent where the project lacks it). */
export interface VersionInProject {
  project: string;
  versionName: string;
  version: { id: string; name: string; released: boolean } | undefined;
  url: string;
}

/** A release's tickets across the configured projects, as last read from Jira. */
export interface ReleaseScope {
  /** Counts and the not-done tickets: what status, the announcement and the freeze warning show. */
  summary: ScopeSummary;
  /** True when `issues` holds every ticket (a full read); false when it holds the not-done ones only. */
  complete: boolean;
  versions: VersionInProject[];
  issues: ScopeIssue[];
  jql: string;
  searchUrl: string;
  fetchedAt: Date;
  requests: number;
}
