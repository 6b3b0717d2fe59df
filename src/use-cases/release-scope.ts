import type { ReleaseScope } from '../domain/scope.js';
import type { ScopeSource } from './ports.js';
import { isAppError } from '../domain/errors.js';
import type { Logger } from '../logger.js';

export type ScopeView =
  | { kind: 'not_connected' }
  | { kind: 'failed'; problem: string }
  | { kind: 'loaded'; scope: ReleaseScope; baseUrl: string };

/** The release's Jira scope for display; a Jira failure becomes something to show, never an exception. */
export async function loadScopeView(
  jira: ScopeSource | undefined,
  version: string,
  logger: Logger,
  read: 'summary' | 'every ticket' = 'summary',
): Promise<ScopeView> {
  if (!jira) return { kind: 'not_connected' };
  try {
    const scope = read === 'summary' ? await jira.scopeSummary(version) : await jira.scope(version);
    return { kind: 'loaded', scope, baseUrl: jira.baseUrl };
  } catch (error) {
    if (!isAppError(error)) logger.error({ err: error, version }, 'scope lookup failed');
    return {
      kind: 'failed',
      problem: isAppError(error) ? error.message : 'unexpected error, see the bot log',
    };
  }
}

/** Tickets not done yet, or undefined when nothing needs saying before a freeze. */
export function notDoneWarning(view: ScopeView, version: string): string | undefined {
  if (view.kind === 'failed') return `Could not check the Jira scope of ${version}: ${view.problem}`;
  if (view.kind !== 'loaded') return undefined;
  const missing = view.scope.versions.filter((v) => !v.version).map((v) => v.project);
  const { summary } = view.scope;
  const notDone = summary.notDone.length;
  const parts = [
    notDone > 0 ? `${notDone} of ${summary.total} tickets in ${version} are not done` : undefined,
    missing.length > 0 ? `Jira project(s) ${missing.join(', ')} have no version for it` : undefined,
  ].filter(Boolean);
  return parts.length > 0 ? `Heads-up: ${parts.join('; ')}. It is frozen anyway, as you asked.` : undefined;
}
