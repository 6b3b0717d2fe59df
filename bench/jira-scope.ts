import { startTestBot } from '../test/support/bot-harness.js';
import { JIRA_EMAIL, JIRA_TOKEN, JiraStandIn } from '../test/support/jira-stand-in.js';
import { envNumber, ms } from './stats.js';

export async function benchJiraScope(): Promise<void> {
  const tickets = envNumber('BENCH_TICKETS', 5000);
  console.log(`\n## Jira scope fetch: ${tickets} tickets in 2 projects`);
  const jira = await new JiraStandIn().start();
  jira.addProject('BLOG', '2.4').addProject('TAG', '2.4');
  jira.addIssues('BLOG', Math.ceil(tickets / 2), (i) => ({
    fixVersions: ['2.4'],
    category: i % 10 === 0 ? 'indeterminate' : 'done',
  }));
  jira.addIssues('TAG', Math.floor(tickets / 2), () => ({ fixVersions: ['2.4'] }));
  const t = await startTestBot({
    JIRA_BASE_URL: jira.url,
    JIRA_EMAIL,
    JIRA_API_TOKEN: JIRA_TOKEN,
    JIRA_PROJECTS: 'BLOG,TAG',
  });
  const gateway = t.bot.services.jira!;
  const started = performance.now();
  const scope = await gateway.scope('2.4', { fresh: true });
  const elapsed = performance.now() - started;
  const cachedStart = performance.now();
  await gateway.scope('2.4');
  const cached = performance.now() - cachedStart;
  await t.stop();
  await jira.stop();
  console.log(
    `fetched ${scope.issues.length} tickets with ${scope.requests} requests (goal ≤ 55) in ${ms(elapsed)}; cached re-read ${ms(cached)}`,
  );
}
