import type { TestBot } from './bot-harness.js';
import { JIRA_EMAIL, JIRA_TOKEN, JiraStandIn } from '../../src/playground/jira-stand-in.js';
import { startTestBot } from './bot-harness.js';

export const GATE_TOKEN = 'gate-token';

/** A pipeline asking the freeze gate about blog-service, as CI does; with the time the answer took. */
export async function askGate(
  baseUrl: string,
  change: { issues: string[]; commit?: string },
  signal?: AbortSignal,
): Promise<{ status: number; body: Record<string, unknown>; ms: number }> {
  const started = Date.now();
  const res = await fetch(`${baseUrl}/api/v1/gate/check`, {
    method: 'POST',
    headers: { authorization: `Bearer ${GATE_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ service: 'blog-service', environment: 'preprod', ...change }),
    signal,
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    ms: Date.now() - started,
  };
}

/** A Jira stand-in with BLOG 2.4 and its bugs, and a bot wired to it with the gate on; 2.4 is created. */
export async function botWithJira(
  env: Record<string, string> = {},
): Promise<{ jira: JiraStandIn; t: TestBot }> {
  const jira = await new JiraStandIn().start();
  jira.addProject('BLOG', '2.4');
  jira.addIssues('BLOG', 3, () => ({ type: 'Bug', fixVersions: ['2.4'] }));
  const t = await startTestBot({ ...gateAndJiraEnv(jira), ...env });
  await t.command('/release', 'create 2.4');
  return { jira, t };
}

/** The settings of a bot that uses the Jira stand-in's BLOG project and has the gate on. */
export function gateAndJiraEnv(jira: JiraStandIn): Record<string, string> {
  return {
    JIRA_BASE_URL: jira.url,
    JIRA_EMAIL,
    JIRA_API_TOKEN: JIRA_TOKEN,
    JIRA_PROJECTS: 'BLOG',
    GATE_API_TOKEN: GATE_TOKEN,
  };
}

/** Resolves once the outbox has nothing pending. */
export function outboxSettled(t: TestBot, timeoutMs = 10_000): Promise<boolean> {
  return t.slack.waitFor(
    async () => (await t.rows("select count(*) n from outbox where state = 'pending'"))[0]!.n === 0,
    timeoutMs,
  );
}
