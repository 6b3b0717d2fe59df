import { startTestBot } from '../test/support/bot-harness.js';
import { JIRA_EMAIL, JIRA_TOKEN, JiraStandIn } from '../src/playground/jira-stand-in.js';
import { envNumber, ms } from './stats.js';

export async function benchJiraScope(): Promise<void> {
  const tickets = envNumber('BENCH_TICKETS', 5000);
  console.log(`\n## Jira scope fetch: ${tickets} tickets in 2 projects`);
  const jira = await new JiraStandIn().start();
  jira.addProject('BLOG', '2.4').addProject('TAG', '2.4');
  // 30 tickets not done, the rest done: the shape of a release about to freeze.
  jira.addIssues('BLOG', Math.ceil(tickets / 2), (i) => ({
    fixVersions: ['2.4'],
    category: i <= 20 ? 'indeterminate' : 'done',
    type: i % 3 === 0 ? 'Bug' : 'Story',
  }));
  jira.addIssues('TAG', Math.floor(tickets / 2), (i) => ({
    fixVersions: ['2.4'],
    category: i <= 10 ? 'new' : 'done',
    type: i % 5 === 0 ? 'Task' : 'Story',
  }));
  const t = await startTestBot({
    JIRA_BASE_URL: jira.url,
    JIRA_EMAIL,
    JIRA_API_TOKEN: JIRA_TOKEN,
    JIRA_PROJECTS: 'BLOG,TAG',
  });
  const gateway = t.bot.services.jira!;
  const summaryStarted = performance.now();
  const summary = await gateway.scopeSummary('2.4');
  const summaryMs = performance.now() - summaryStarted;
  console.log(
    `summary (status, announcement, freeze warning): ${summary.requests} requests (goal ≤ 8) in ${ms(summaryMs)}; ${summary.summary.total} tickets, ${summary.summary.notDone.length} not done, ${summary.summary.byCategory.done} done (exact), types estimated`,
  );
  const started = performance.now();
  const scope = await gateway.scope('2.4', { fresh: true });
  const elapsed = performance.now() - started;
  const cachedStart = performance.now();
  await gateway.scope('2.4');
  const cached = performance.now() - cachedStart;
  await t.stop();
  await jira.stop();
  console.log(
    `every ticket (/release scope): ${scope.issues.length} tickets with ${scope.requests} requests in ${ms(elapsed)}; cached re-read ${ms(cached)}`,
  );
}
