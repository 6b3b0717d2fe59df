import type { ReleaseScope } from '../../domain/scope.js';
import type { ScopeView } from '../../use-cases/release-scope.js';
import type { ScopeIssue } from '../../domain/scope.js';
import { context, escapeText, section, type Block, type Reply } from './kit.js';
import { cutSafely } from './fit.js';

const NOT_DONE_SHOWN = 10;
export const SCOPE_PAGE_SIZE = 25;

function issueLine(issue: ScopeIssue, baseUrl: string): string {
  return `<${baseUrl}/browse/${issue.key}|${issue.key}> ${cutSafely(escapeText(issue.summary), 120)} · _${escapeText(issue.status)}_${issue.assignee ? ` · ${escapeText(issue.assignee)}` : ''}`;
}

function age(fetchedAt: Date, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - fetchedAt.getTime()) / 1000));
  return seconds < 5 ? 'just now' : seconds < 120 ? `${seconds}s ago` : `${Math.round(seconds / 60)} min ago`;
}

function missingVersionLines(scope: ReleaseScope): string[] {
  return scope.versions
    .filter((v) => !v.version)
    .map(
      (v) =>
        `:warning: Jira project *${v.project}* has no version \`${escapeText(v.versionName)}\`. Release managers can create it: \`/release create <version> jira=create\`.`,
    );
}

/** The release's Jira scope as people decide with it: counts, what is not done, links. */
export function scopeBlocks(view: ScopeView, now: Date): Block[] {
  if (view.kind === 'not_connected') return [context('Jira is not connected, so no scope is shown.')];
  if (view.kind === 'failed') return [context(`:warning: Jira scope unavailable: ${view.problem}`)];
  const { scope, baseUrl } = view;
  const missing = missingVersionLines(scope);
  if (scope.versions.every((v) => !v.version)) return [section(missing.join('\n'))];
  const { summary } = scope;
  // Types of done tickets come from Jira's estimates on a large scope: say so, and only there.
  const approx = summary.typesEstimated ? '≈' : '';
  const types = Object.entries(summary.byType)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, n]) => `${escapeText(type)} ${approx}${n}`)
    .join(', ');
  const lines = [
    `*Scope:* ${summary.total} tickets · ${summary.byCategory.todo} to do · ${summary.byCategory.inProgress} in progress · ${summary.byCategory.done} done${types ? ` · ${types}${approx ? ' (types estimated by Jira)' : ''}` : ''}`,
  ];
  if (summary.notDone.length > 0) {
    lines.push(
      '*Not done:*',
      ...summary.notDone.slice(0, NOT_DONE_SHOWN).map((i) => `• ${issueLine(i, baseUrl)}`),
    );
    if (summary.notDone.length > NOT_DONE_SHOWN)
      lines.push(
        `and ${summary.notDone.length - NOT_DONE_SHOWN} more: <${scope.searchUrl}|all tickets in Jira>`,
      );
  }
  const versionLinks = scope.versions
    .filter((v) => v.version)
    .map((v) => `<${v.url}|${v.project} ${escapeText(v.versionName)}>`);
  return [
    section(lines.join('\n')),
    ...(missing.length > 0 ? [section(missing.join('\n'))] : []),
    context(`Jira versions: ${versionLinks.join(', ')} · fetched ${age(scope.fetchedAt, now)}`),
  ];
}

export function scopeListReply(version: string, view: ScopeView, page: number, now: Date): Reply {
  if (view.kind !== 'loaded') return { text: `Scope of ${version}`, blocks: scopeBlocks(view, now) };
  const { scope, baseUrl } = view;
  const pages = Math.max(1, Math.ceil(scope.issues.length / SCOPE_PAGE_SIZE));
  const shown = scope.issues.slice((page - 1) * SCOPE_PAGE_SIZE, page * SCOPE_PAGE_SIZE);
  const blocks: Block[] = [
    section(`*Scope of ${escapeText(version)}*: ${scope.issues.length} tickets (page ${page} of ${pages})`),
  ];
  for (let i = 0; i < shown.length; i += 10)
    blocks.push(
      section(
        shown
          .slice(i, i + 10)
          .map((issue) => `• ${issueLine(issue, baseUrl)}`)
          .join('\n'),
      ),
    );
  if (page < pages)
    blocks.push(
      context(`More: \`/release scope ${version} page=${page + 1}\` · <${scope.searchUrl}|open in Jira>`),
    );
  return { text: `Scope of ${version}`, blocks };
}
