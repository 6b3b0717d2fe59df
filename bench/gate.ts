import { SlackStandIn } from '../test/support/slack-stand-in.js';
import { JIRA_EMAIL, JIRA_TOKEN, JiraStandIn } from '../src/playground/jira-stand-in.js';
import { benchStore, startServerProcess } from './bot-process.js';
import { envNumber, fireAtRate, ms, summarize } from './stats.js';

/**
 * Pipelines asking the gate during a freeze. The bot runs in its own process (the load generator and the
 * Jira stand-in stay here), so the figures are the bot's own.
 */
export async function benchGate(): Promise<void> {
  const rate = envNumber('BENCH_GATE_RATE', 500);
  const seconds = envNumber('BENCH_SECONDS', 10);
  const keys = envNumber('BENCH_GATE_KEYS', 200);
  console.log(
    `\n## gate checks during a freeze on ${benchStore()} (${rate}/s for ${seconds} s, ${keys} distinct keys, issue lookups cached 30 s, Jira answering in ${process.env.BENCH_JIRA_DELAY_MS ?? 0} ms)`,
  );
  const jira = await new JiraStandIn().start();
  // Jira Cloud answers in tens to hundreds of milliseconds; the stand-in answers at once unless told.
  const jiraDelayMs = Number(process.env.BENCH_JIRA_DELAY_MS ?? 0);
  jira.addProject('BLOG', '2.4');
  jira.addIssues('BLOG', Math.max(20, keys * 2), (i) => ({
    type: i % 2 ? 'Bug' : 'Story',
    fixVersions: ['2.4'],
  }));
  const slack = await new SlackStandIn().start();
  const bot = await startServerProcess('dist/main.js', slack, {
    JIRA_BASE_URL: jira.url,
    JIRA_EMAIL,
    JIRA_API_TOKEN: JIRA_TOKEN,
    JIRA_PROJECTS: 'BLOG',
    GATE_API_TOKEN: 'bench-token',
    SIGNOFF_ROLES: 'qa=UQA00001',
  });
  await bot.command('create 2.4');
  await bot.command('freeze 2.4');
  const gateUrl = bot.url.replace('/slack/events', '/api/v1/gate/check');
  let allowed = 0;
  let failed = 0;
  const ask = async (issue: string, commit: string) => {
    const res = await fetch(gateUrl, {
      method: 'POST',
      headers: { authorization: 'Bearer bench-token', 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'blog-service', environment: 'preprod', issues: [issue], commit }),
    });
    const body = (await res.json()) as { allowed?: boolean };
    if (res.status !== 200) failed++;
    return body.allowed === true;
  };
  // A freshly started process compiles its hot paths in its first second or two: warm it up with keys that
  // are not measured (unknown to Jira), so the measured keys still all start as cache misses.
  const warmup = envNumber('BENCH_WARMUP_SECONDS', 2);
  const cold = summarize(await fireAtRate(rate, warmup, async (i) => void (await ask(`WARM-${i}`, `w${i}`))));
  console.log(`warm-up     : a cold process, first ${warmup} s: p50 ${ms(cold.p50)} p99 ${ms(cold.p99)}`);
  failed = 0;
  jira.delayMs = jiraDelayMs;
  const warmupLookups = jira.issueLookupRequests();
  const started = performance.now();
  const latencies = await fireAtRate(rate, seconds, async (i) => {
    // Mostly refused stories, so the revision is not bumped on every request.
    if (await ask(`BLOG-${(i % keys) * 2 + 2}`, `c${i}`)) allowed++;
  });
  const elapsed = (performance.now() - started) / 1000;
  const jiraRequests = jira.issueLookupRequests() - warmupLookups;
  await bot.stop();
  await slack.stop();
  await jira.stop();
  const s = summarize(latencies);
  console.log(
    `latency     : p50 ${ms(s.p50)} p99 ${ms(s.p99)} max ${ms(s.max)}   (goal at 500/s: p99 ≤ 20 ms)`,
  );
  console.log(
    `throughput  : ${(s.count / elapsed).toFixed(0)} checks/s (${s.count} checks, ${allowed} allowed, ${failed} not 200); ${jiraRequests} Jira look-ups for ${keys} keys (goal: at most one per key per cache lifetime)`,
  );
}
