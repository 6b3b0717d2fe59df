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
}

export interface ScopeSummary {
  total: number;
  byCategory: { todo: number; inProgress: number; done: number };
  byType: Record<string, number>;
  notDone: ScopeIssue[];
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

export function scopeJql(projects: readonly string[], versionName: string): string {
  const projectClause =
    projects.length === 1
      ? `project = ${jqlString(projects[0] ?? '')}`
      : `project in (${projects.map(jqlString).join(', ')})`;
  return `${projectClause} AND fixVersion = ${jqlString(versionName)} ORDER BY key ASC`;
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
  versions: VersionInProject[];
  issues: ScopeIssue[];
  jql: string;
  searchUrl: string;
  fetchedAt: Date;
  requests: number;
}
