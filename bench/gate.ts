import { startTestBot } from '../test/support/bot-harness.js';
import { JIRA_EMAIL, JIRA_TOKEN, JiraStandIn } from '../test/support/jira-stand-in.js';
import { envNumber, fireAtRate, ms, summarize } from './stats.js';

export async function benchGate(): Promise<void> {
  const rate = envNumber('BENCH_GATE_RATE', 100);
  const seconds = envNumber('BENCH_SECONDS', 10);
  const keys = envNumber('BENCH_GATE_KEYS', 10);
  console.log(
    `\n## gate checks during a freeze (${rate}/s for ${seconds} s, ${keys} distinct keys, issue lookups cached 30 s)`,
  );
  const jira = await new JiraStandIn().start();
  jira.addProject('BLOG', '2.4');
  jira.addIssues('BLOG', Math.max(20, keys * 2), (i) => ({
    type: i % 2 ? 'Bug' : 'Story',
    fixVersions: ['2.4'],
  }));
  const t = await startTestBot({
    JIRA_BASE_URL: jira.url,
    JIRA_EMAIL,
    JIRA_API_TOKEN: JIRA_TOKEN,
    JIRA_PROJECTS: 'BLOG',
    GATE_API_TOKEN: 'bench-token',
  });
  await t.command('/release', 'create 2.4');
  await t.command('/release', 'freeze 2.4');
  let allowed = 0;
  const started = performance.now();
  const latencies = await fireAtRate(rate, seconds, async (i) => {
    const res = await fetch(`${t.baseUrl}/api/v1/gate/check`, {
      method: 'POST',
      headers: { authorization: 'Bearer bench-token', 'content-type': 'application/json' },
      // Mostly refused stories, so the revision is not bumped on every request.
      body: JSON.stringify({
        service: 'blog-service',
        environment: 'preprod',
        issues: [`BLOG-${(i % keys) * 2 + 2}`],
        commit: `c${i}`,
      }),
    });
    const body = (await res.json()) as { allowed: boolean };
    if (body.allowed) allowed++;
  });
  const elapsed = (performance.now() - started) / 1000;
  const jiraRequests = jira.requestsTo('GET', '/rest/api/3/issue/');
  await t.stop();
  await jira.stop();
  const s = summarize(latencies);
  console.log(`latency     : p50 ${ms(s.p50)} p99 ${ms(s.p99)} max ${ms(s.max)}`);
  console.log(
    `throughput  : ${(s.count / elapsed).toFixed(0)} checks/s (${s.count} checks, ${allowed} allowed); ${jiraRequests} Jira lookups`,
  );
}
