import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ActionIds } from '../../src/slack/ids.js';
import { MANAGER } from '../support/bot-harness.js';
import { startBotProcess, type BotProcess } from '../support/bot-process.js';
import { createService, freshNamespace, kubeConfig } from '../support/kube.js';
import { startPostgres, type RunningPostgres } from '../support/postgres.js';
import { blockActionsPayload, interactiveBody, slashCommandBody } from '../support/slack-payloads.js';
import { SlackStandIn } from '../support/slack-stand-in.js';
import pg from 'pg';

const LEASE_SECONDS = 3;
const VOTERS = Array.from({ length: 50 }, (_, i) => `UQA${String(i).padStart(5, '0')}`);
const QA_GROUP = 'SQAGROUP1';
const GATE_TOKEN = 'gate-token';

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out');
}

describe('two bot processes on one PostgreSQL, the leader SIGKILLed under load (real kube-apiserver)', () => {
  const kc = kubeConfig(inject('kubeconfigPath'));
  let server: RunningPostgres;
  let pool: pg.Pool;
  let slack: SlackStandIn;
  const bots: BotProcess[] = [];
  const dead = new Set<BotProcess>();

  /** A load balancer in front of both: round robin over the live ones (a killed pod leaves the Service). */
  let turn = 0;
  async function send(path: string, init: RequestInit, body?: string): Promise<Response> {
    for (let tries = 0; tries < 4; tries++) {
      const live = bots.filter((b) => !dead.has(b));
      const bot = live[turn++ % live.length]!;
      try {
        if (body !== undefined) {
          const { status, text } = await bot.send(body);
          return new Response(text, { status });
        }
        return await fetch(`${bot.baseUrl}${path}`, init);
      } catch {
        // Connection refused by a pod that just died: the next live one answers, as behind a Service.
      }
    }
    throw new Error('no replica answered');
  }
  const command = (text: string) =>
    send(
      '',
      {},
      slashCommandBody({
        command: '/release',
        text,
        userId: MANAGER,
        responseUrl: `${slack.url}/response/x`,
      }),
    );
  const count = async (sql: string) => Number((await pool.query<{ n: string }>(sql)).rows[0]!.n);

  beforeAll(async () => {
    server = await startPostgres();
    pool = new pg.Pool({ connectionString: server.url, max: 2 });
    slack = await new SlackStandIn().start();
    slack.userGroups.set(QA_GROUP, VOTERS);
    const ns = await freshNamespace(kc, 'preprod');
    await createService(kc, ns, 'blog-service');
    const env = {
      KUBECONFIG: inject('kubeconfigPath'),
      DEVENV_PREPROD_NAMESPACE: ns,
      LEASE_DURATION: `${LEASE_SECONDS}s`,
      GATE_API_TOKEN: GATE_TOKEN,
      DATABASE_URL: server.url,
      SIGNOFF_ROLES: '',
    };
    bots.push(await startBotProcess(slack, '/unused.sqlite', { ...env, POD_NAME: 'pod-a' }));
    bots.push(await startBotProcess(slack, '/unused.sqlite', { ...env, POD_NAME: 'pod-b' }));
  }, 90_000);
  afterAll(async () => {
    for (const bot of bots) if (!dead.has(bot)) await bot.kill('SIGKILL');
    await slack?.stop();
    await pool?.end();
    await server?.stop();
  });

  it('loses no request, stores each vote once, signs off once, and the outbox resumes with no duplicate and no loss', async () => {
    // Both ready: on PostgreSQL the one without the Lease serves too.
    for (const bot of bots) expect((await fetch(`${bot.baseUrl}/readyz`)).status).toBe(200);
    expect((await command(`role set qa <!subteam^${QA_GROUP}|@qa-team> quorum=50`)).status).toBe(200);
    expect((await command('create 2.4')).status).toBe(200);
    expect((await command('freeze 2.4')).status).toBe(200);
    const { rows } = await pool.query<{ id: number; revision: number }>(
      "select id, revision from releases where version = '2.4'",
    );
    const value = `${rows[0]!.id}:${rows[0]!.revision}`;

    const leaderIndex = await (async () => {
      for (const [i, bot] of bots.entries()) {
        const text = await (await fetch(`${bot.baseUrl}/metrics`)).text();
        if (/^release_bot_leader 1$/m.test(text)) return i;
      }
      throw new Error('no leader');
    })();

    // 100 gate checks a second for 4 s, and the 50 approvals spread over the same seconds.
    const statuses: number[] = [];
    const gate = (i: number) =>
      send(`/api/v1/gate/check`, {
        method: 'POST',
        headers: { authorization: `Bearer ${GATE_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          service: 'blog-service',
          environment: 'preprod',
          issues: [],
          commit: `c${i}`,
        }),
      }).then(async (r) => {
        statuses.push(r.status);
        await r.arrayBuffer();
      });
    const vote = (voter: string) =>
      send(
        '',
        {},
        interactiveBody(
          blockActionsPayload({
            actionId: ActionIds.approve,
            value,
            userId: voter,
            responseUrl: `${slack.url}/response/v`,
          }),
        ),
      ).then((r) => statuses.push(r.status));
    const load: Promise<unknown>[] = [];
    const started = Date.now();
    for (let i = 0; i < 400; i++) {
      const due = started + i * 10;
      await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
      load.push(gate(i));
      if (i % 8 === 0 && i / 8 < VOTERS.length) load.push(vote(VOTERS[i / 8]!));
      if (i === 100) {
        // The leader dies mid-storm, mid-delivery.
        const leader = bots[leaderIndex]!;
        dead.add(leader);
        load.push(leader.kill('SIGKILL'));
      }
    }
    await Promise.all(load);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(statuses).toHaveLength(400 + VOTERS.length);

    expect(await count('select count(*) as n from votes')).toBe(50);
    expect(await count("select count(*) as n from releases where state = 'signed_off'")).toBe(1);
    // The survivor takes the Lease and resumes the outbox: every notice out, each once.
    const gap = await until(
      async () => (await count("select count(*) as n from outbox where state <> 'delivered'")) === 0,
      30_000,
    );
    const threadLines = slack.deliveredOf('chat.postMessage').map((c) => String(c.args.text));
    expect(threadLines.filter((t) => t.includes('approved (qa)'))).toHaveLength(50);
    expect(new Set(threadLines.filter((t) => t.includes('approved (qa)'))).size).toBe(50);
    expect(threadLines.filter((t) => t.includes('2.4 is ready for production'))).toHaveLength(1);
    console.log(`outbox drained ${gap} ms after the storm ended (Lease ${LEASE_SECONDS} s)`);
  }, 120_000);
});
