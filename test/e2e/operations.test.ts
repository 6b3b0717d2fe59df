import { afterEach, describe, expect, it } from 'vitest';
import { ActionIds } from '../../src/slack/ids.js';
import { DEFAULT_QA, startTestBot, type TestBot } from '../support/bot-harness.js';
import { SlackStandIn } from '../support/slack-stand-in.js';

const TOKEN = 'gate-token';

/** One sample of a metric from Prometheus text, by name and labels; a missing one fails the test. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const value = sampleOrNothing(text, name, labels);
  if (value === undefined) throw new Error(`no sample of ${name} ${JSON.stringify(labels)} in /metrics`);
  return value;
}

function sampleOrNothing(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith(name) &&
        !l.startsWith('#') &&
        (l[name.length] === ' ' || l[name.length] === '{') &&
        want.every((w) => l.includes(w)),
    );
  return line ? Number(line.split(' ').at(-1)) : undefined;
}

describe('probes and metrics', () => {
  let t: TestBot | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });
  const get = (path: string, base = t!.baseUrl) => fetch(`${base}${path}`);

  it('is live and ready, and /readyz names each check', async () => {
    t = await startTestBot();
    expect((await get('/healthz')).status).toBe(200);
    await t.slack.waitFor(() => t!.slack.deliveredOf('auth.test').length > 0);
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { status: string; checks: Record<string, string> };
    expect(body).toEqual({
      status: 'ready',
      ready: true,
      checks: { started: 'ok', database: 'ok', migrations: 'ok', slack: 'ok', slack_history: 'ok' },
    });
  });

  it('is not ready while the database cannot be written, and says so', async () => {
    t = await startTestBot();
    await t.slack.waitFor(() => t!.slack.deliveredOf('auth.test').length > 0);
    const takenAway = await t.database.takeAway();
    try {
      const res = await get('/readyz');
      expect(res.status).toBe(503);
      const body = (await res.json()) as { checks: Record<string, string> };
      expect(body.checks.database).toContain(
        t.database.kind === 'sqlite' ? 'the database cannot be written' : 'the database cannot be reached',
      );
      expect(body.checks.slack).toBe('ok');
    } finally {
      await takenAway.restore();
    }
    expect((await get('/readyz')).status).toBe(200);
  });

  it('is not ready while Slack refuses the token', async () => {
    const slack = await new SlackStandIn().start();
    slack.inject('auth.test', { kind: 'error', error: 'invalid_auth' });
    try {
      t = await startTestBot({}, { slack });
      await slack.waitFor(() => slack.callsOf('auth.test').length >= 1);
      const body = (await (await get('/readyz')).json()) as {
        ready: boolean;
        checks: Record<string, string>;
      };
      expect(body.ready).toBe(false);
      expect(body.checks.slack).toBe('Slack refused auth.test (invalid_auth): check SLACK_BOT_TOKEN');
    } finally {
      await t?.stop();
      t = undefined;
      await slack.stop();
    }
  });

  it('counts real traffic in /metrics', async () => {
    t = await startTestBot({ GATE_API_TOKEN: TOKEN, GATE_FAIL_OPEN: 'true' });
    await t.slack.waitFor(() => t!.slack.deliveredOf('auth.test').length > 0);
    const before = await (await get('/metrics')).text();
    const callsBefore = t.slack.calls.length;
    await t.command('/release', 'create 2.4');
    await t.command('/release', 'freeze 2.4');
    const releaseId = (await t.rows('select id from releases'))[0]!.id as number;
    await t.click(ActionIds.approve, `${releaseId}:1`, DEFAULT_QA);
    const gate = (commit: string, issues: string[]) =>
      fetch(`${t!.baseUrl}/api/v1/gate/check`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ service: 'blog-service', environment: 'preprod', issues, commit }),
      }).then((r) => r.json());
    await gate('c1', ['BLOG-1']);
    await gate('c1', ['BLOG-1']);
    await gate('c2', []);
    await t.slack.waitFor(
      async () => (await t!.rows("select count(*) n from outbox where state = 'pending'"))[0]!.n === 0,
    );
    const res = await get('/metrics');
    expect(res.headers.get('content-type')).toContain('text/plain');
    const after = await res.text();
    const delta = (name: string, labels: Record<string, string> = {}) =>
      // A counter with these labels may not exist yet before the traffic; after it, it must.
      sample(after, name, labels) - (sampleOrNothing(before, name, labels) ?? 0);
    expect(delta('release_bot_gate_decisions_total', { verdict: 'allowed', repeated: 'false' })).toBe(1);
    expect(delta('release_bot_gate_decisions_total', { verdict: 'allowed', repeated: 'true' })).toBe(1);
    expect(delta('release_bot_gate_decisions_total', { verdict: 'refused', repeated: 'false' })).toBe(1);
    expect(delta('release_bot_slack_handler_duration_seconds_count', { kind: 'command' })).toBe(2);
    expect(delta('release_bot_slack_handler_duration_seconds_count', { kind: 'action' })).toBe(1);
    const slackCalls = t.slack.calls.length - callsBefore;
    expect(delta('release_bot_outbound_requests_total', { system: 'slack', outcome: 'ok' })).toBe(slackCalls);
    expect(sample(after, 'release_bot_releases', { state: 'frozen' })).toBe(1);
    expect(sample(after, 'release_bot_outbox_pending')).toBe(0);
    expect(delta('release_bot_outbox_settled_total', { outcome: 'delivered' })).toBeGreaterThanOrEqual(4);
    expect(sample(after, 'release_bot_leader')).toBe(1);
    expect(after).toContain('release_bot_process_resident_memory_bytes');
  });

  it('reports the outbox gauge from the table: the pending count while Slack hangs, 0 once delivered', async () => {
    t = await startTestBot();
    await t.slack.waitFor(() => t!.slack.deliveredOf('auth.test').length > 0);
    t.slack.inject('*', { kind: 'hang' });
    await t.command('/release', 'create 2.4');
    await t.command('/release', 'freeze 2.4');
    const pending = async () =>
      (await t!.rows("select count(*) n from outbox where state = 'pending'"))[0]!.n as number;
    expect(await pending()).toBe(1);
    expect(sample(await (await get('/metrics')).text(), 'release_bot_outbox_pending')).toBe(1);
    t.slack.heal();
    await t.slack.waitFor(async () => (await pending()) === 0, 10_000);
    expect(sample(await (await get('/metrics')).text(), 'release_bot_outbox_pending')).toBe(0);
  });

  it('counts Slack’s 429s and ok:false answers as their own outcomes, not as ok', async () => {
    t = await startTestBot();
    await t.slack.waitFor(() => t!.slack.deliveredOf('auth.test').length > 0);
    const before = await (await get('/metrics')).text();
    t.slack.inject('chat.postMessage', { kind: 'ratelimited', retryAfterSeconds: 1 }, 1);
    t.slack.inject('chat.getPermalink', { kind: 'error', error: 'internal_error' }, 1);
    await t.command('/release', 'create 2.4');
    await t.command('/release', 'freeze 2.4');
    await t.slack.waitFor(
      async () => (await t!.rows('select announcement_permalink p from releases'))[0]?.p,
      10_000,
    );
    const after = await (await get('/metrics')).text();
    const delta = (outcome: string) =>
      sample(after, 'release_bot_outbound_requests_total', { system: 'slack', outcome }) -
      (sampleOrNothing(before, 'release_bot_outbound_requests_total', { system: 'slack', outcome }) ?? 0);
    // ok: the post, the look-up before posting again (a 429 is answered, but the look-up does not tell
    // answers apart), and the permalink.
    expect([delta('ratelimited'), delta('refused'), delta('ok')]).toEqual([1, 1, 3]);
  });

  it('serves /metrics only on METRICS_PORT when it is set', async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    t = await startTestBot({ METRICS_PORT: String(port) });
    expect((await get('/metrics')).status).toBe(404);
    const res = await get('/metrics', `http://127.0.0.1:${port}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('release_bot_gate_decisions_total');
  });
});
