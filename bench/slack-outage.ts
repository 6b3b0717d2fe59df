import { ActionIds } from '../src/slack/ids.js';
import { DEFAULT_QA, startTestBot, type TestBot } from '../test/support/bot-harness.js';
import { queryRows } from '../test/support/db.js';
import { JIRA_EMAIL, JIRA_TOKEN, JiraStandIn } from '../src/playground/jira-stand-in.js';
import { envNumber, fireAtRate, ms, summarize } from './stats.js';

const TOKEN = 'bench-token';

async function frozenBot(jira: JiraStandIn, env: Record<string, string> = {}): Promise<TestBot> {
  const t = await startTestBot({
    JIRA_BASE_URL: jira.url,
    JIRA_EMAIL,
    JIRA_API_TOKEN: JIRA_TOKEN,
    JIRA_PROJECTS: 'BLOG',
    GATE_API_TOKEN: TOKEN,
    ...env,
  });
  await t.command('/release', 'create 2.4');
  await t.command('/release', 'freeze 2.4');
  await t.slack.waitFor(
    () => queryRows(t.databasePath, 'select announcement_ts a from releases')[0]?.a,
    10_000,
  );
  return t;
}

function pending(t: TestBot): number {
  return queryRows(t.databasePath, "select count(*) n from outbox where state = 'pending'")[0]!.n as number;
}

async function gateRun(t: TestBot, rate: number, seconds: number) {
  let bumps = 0;
  const latencies = await fireAtRate(rate, seconds, async (i) => {
    // One request in ten lets a new fix in (a revision bump and a thread line for Slack); the rest are refused.
    const fix = i % 10 === 0;
    const res = await fetch(`${t.baseUrl}/api/v1/gate/check`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        service: 'blog-service',
        environment: 'preprod',
        issues: [fix ? 'BLOG-1' : 'BLOG-2'],
        commit: `c${i}`,
      }),
    });
    const body = (await res.json()) as { allowed: boolean };
    if (body.allowed) bumps++;
  });
  return { ...summarize(latencies), bumps };
}

/** Gate checks while Slack hangs every call, against the same run with Slack healthy. */
export async function benchGateWhileSlackHangs(): Promise<void> {
  const rate = envNumber('BENCH_GATE_RATE', 100);
  const seconds = envNumber('BENCH_SECONDS', 10);
  console.log(`\n## gate while Slack hangs (${rate}/s for ${seconds} s, 1 in 10 lets a fix in)`);
  const jira = await new JiraStandIn().start();
  jira.addProject('BLOG', '2.4');
  jira.addIssues('BLOG', 1, () => ({ type: 'Bug', fixVersions: ['2.4'] }));
  jira.addIssues('BLOG', 1, () => ({ type: 'Story', fixVersions: ['2.4'] }));
  for (const hang of [false, true]) {
    const t = await frozenBot(jira);
    if (hang) t.slack.inject('*', { kind: 'hang' });
    const s = await gateRun(t, rate, seconds);
    const left = pending(t);
    console.log(
      `Slack ${hang ? 'hanging' : 'healthy'} : p50 ${ms(s.p50)} p99 ${ms(s.p99)} max ${ms(s.max)} · ${s.count} checks, ${s.bumps} bumps, ${left} notices pending at the end`,
    );
    if (hang) {
      t.slack.heal();
      const healed = performance.now();
      await t.slack.waitFor(() => pending(t) === 0, 120_000);
      console.log(
        `after Slack healed: the outbox was empty in ${((performance.now() - healed) / 1000).toFixed(1)} s`,
      );
    }
    await t.stop();
  }
  await jira.stop();
}

/** `/release ship` while every Jira call answers 503: the reply and the channel post must not wait. */
export async function benchShipWhileJiraDown(): Promise<void> {
  console.log('\n## ship while Jira answers 503');
  const jira = await new JiraStandIn().start();
  jira.addProject('BLOG', '2.4');
  const t = await frozenBot(jira);
  const releaseId = queryRows(t.databasePath, 'select id from releases')[0]!.id as number;
  await t.click(ActionIds.approve, `${releaseId}:1`, DEFAULT_QA);
  await t.slack.waitFor(
    () => queryRows(t.databasePath, 'select state from releases')[0]?.state === 'signed_off',
  );
  jira.fail('GET', '/rest/api/3/project/', 503, { times: 100_000 });
  jira.fail('PUT', '/rest/api/3/version/', 503, { times: 100_000 });
  const started = performance.now();
  await t.command('/release', 'ship 2.4');
  const replied = performance.now() - started;
  const shippedLine = () =>
    t.slack.deliveredOf('chat.postMessage').some((c) => String(c.args.text).includes('shipped *2.4*'));
  await t.slack.waitFor(shippedLine, 10_000);
  const posted = performance.now() - started;
  await t.slack.waitFor(
    () =>
      t.slack
        .deliveredOf('chat.postMessage')
        .some((c) => String(c.args.text).includes('Jira was not updated')),
    60_000,
  );
  const jiraOutcome = performance.now() - started;
  console.log(
    `reply ${ms(replied)} · channel post ${ms(posted)} · Jira failure in the thread after ${(jiraOutcome / 1000).toFixed(1)} s (Jira's own retry budget)`,
  );
  await t.stop();
  await jira.stop();
}

/** 50 approvals and 20 gate bumps while Slack rate-limits: all delivered, in order, none twice. */
export async function benchOutboxStorm(): Promise<void> {
  console.log('\n## outbox: 50 approvals + 20 gate bumps while Slack rate-limits (Retry-After 1 s, 5 times)');
  const jira = await new JiraStandIn().start();
  jira.addProject('BLOG', '2.4');
  jira.addIssues('BLOG', 1, () => ({ type: 'Bug', fixVersions: ['2.4'] }));
  const voters = Array.from({ length: 50 }, (_, i) => `UQA${String(i).padStart(5, '0')}`);
  const t = await frozenBot(jira, { SIGNOFF_ROLES: `qa=${voters.join(',')}:50` });
  const releaseId = queryRows(t.databasePath, 'select id from releases')[0]!.id as number;
  t.slack.inject('*', { kind: 'ratelimited', retryAfterSeconds: 1 }, 5);
  const started = performance.now();
  // Votes land on revision 1; the bumps that follow make them stale, as in real life.
  await Promise.all(voters.map((v) => t.click(ActionIds.approve, `${releaseId}:1`, v)));
  for (let i = 0; i < 20; i++) {
    await fetch(`${t.baseUrl}/api/v1/gate/check`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        service: 'blog-service',
        environment: 'preprod',
        issues: ['BLOG-1'],
        commit: `fix${i}`,
      }),
    });
  }
  const enqueued = performance.now() - started;
  await t.slack.waitFor(() => pending(t) === 0, 120_000);
  const drained = performance.now() - started;
  const lines = t.slack
    .deliveredOf('chat.postMessage')
    .filter((c) => c.args.thread_ts)
    .map((c) => String(c.args.text));
  const approvals = lines.filter((l) => l.includes('approved (qa)'));
  const bumps = lines
    .filter((l) => l.includes('moved to revision'))
    .map((l) => Number(/revision (\d+)/.exec(l)![1]));
  const inOrder = bumps.every((r, i) => i === 0 || r > bumps[i - 1]!);
  const lastApproval = lines.findLastIndex((l) => l.includes('approved (qa)'));
  const firstBump = lines.findIndex((l) => l.includes('moved to revision'));
  const updates = t.slack.deliveredOf('chat.update').length;
  const rateLimited = t.slack.calls.length - t.slack.delivered.length;
  console.log(
    `all acked and committed in ${ms(enqueued)}; outbox empty after ${(drained / 1000).toFixed(1)} s (${rateLimited} calls rate-limited)`,
  );
  console.log(
    `thread lines: ${approvals.length}/50 approvals (${new Set(approvals).size} distinct), ${bumps.length}/20 bumps, revisions in order: ${inOrder}, approvals before bumps: ${lastApproval < firstBump}; ${updates} coalesced chat.update calls`,
  );
  await t.stop();
  await jira.stop();
}
