import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActionIds } from '../../src/slack/ids.js';
import { replyText, startTestBot, type TestBot } from '../support/bot-harness.js';
import { startPostgres, type RunningPostgres } from '../support/postgres.js';
import { askGate, GATE_TOKEN } from '../support/gate-client.js';

const QA_GROUP = 'SQAGROUP1';
const QA = ['UQA00001', 'UQA00002', 'UQA00003', 'UQA00004'];

describe('two bots on one PostgreSQL: every replica serves (a real server)', () => {
  let server: RunningPostgres;
  let pool: pg.Pool;
  let bots: TestBot[] = [];

  const rows = async (sql: string, params: unknown[] = []) =>
    (await pool.query<Record<string, unknown>>(sql, params)).rows;
  const count = async (sql: string) => Number((await rows(sql))[0]!.n);
  /** Waits for what the database says (the stand-in's waitFor takes a synchronous check only). */
  async function until(check: () => Promise<boolean>): Promise<void> {
    for (let tries = 0; !(await check()); tries++) {
      if (tries > 400) throw new Error('gave up waiting');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  beforeAll(async () => {
    server = await startPostgres();
    pool = new pg.Pool({ connectionString: server.url, max: 2 });
    const env = { DATABASE_URL: server.url, GATE_API_TOKEN: GATE_TOKEN, SIGNOFF_ROLES: '' };
    const first = await startTestBot(env);
    // The same workspace (one Slack stand-in) behind both: Slack sends each request to either replica.
    bots = [first, await startTestBot(env, { slack: first.slack })];
  }, 60_000);
  afterAll(async () => {
    for (const bot of bots) await bot.stop();
    await pool?.end();
    await server?.stop();
  });

  it('runs a release through both replicas: commands, votes and the gate on either, each notice once', async () => {
    const [a, b] = bots as [TestBot, TestBot];
    a.slack.userGroups.set(QA_GROUP, QA);
    expect(
      replyText(await a.command('/release', `role set qa <!subteam^${QA_GROUP}|@qa-team> quorum=4`)),
    ).toContain('qa');
    expect(replyText(await b.command('/release', 'create 2.4'))).toContain('Release *2.4* is planned');
    expect(replyText(await a.command('/release', 'freeze 2.4'))).toContain('*2.4* is frozen');
    const [release] = await rows("select id, revision from releases where version = '2.4'");
    const value = `${release!.id as number}:${release!.revision as number}`;

    // The four approvals arrive at once, alternating between the replicas.
    const clicks = await Promise.all(
      QA.map((voter, i) => bots[i % 2]!.click(ActionIds.approve, value, voter)),
    );
    expect(clicks.map((c) => c.status)).toEqual([200, 200, 200, 200]);
    await until(
      async () => (await rows("select state from releases where version = '2.4'"))[0]?.state === 'signed_off',
    );
    expect(await count('select count(*) as n from votes')).toBe(4);

    // A pipeline asks either replica: both answer from the one store.
    const asks = await Promise.all(bots.map((bot) => askGate(bot.baseUrl, { issues: [], commit: 'abc123' })));
    expect(asks.map((a) => a.status)).toEqual([200, 200]);
    const answers = asks.map((a) => a.body as { allowed: boolean; repeated: boolean });
    expect(answers.map((x) => x.allowed)).toEqual([false, false]);
    // The same change asked of both at once is recorded once; the second answer says it is a repeat.
    expect(answers.map((x) => x.repeated).sort()).toEqual([false, true]);
    expect(await count('select count(*) as n from gate_checks')).toBe(1);

    // Both relays deliver from the one outbox; each notice reaches Slack once.
    await until(async () => (await count("select count(*) as n from outbox where state = 'pending'")) === 0);
    const announcements = a.slack.deliveredOf('chat.postMessage').filter((c) => !c.args.thread_ts);
    expect(announcements).toHaveLength(1);
    const readyLines = a.slack
      .deliveredOf('chat.postMessage')
      .filter((c) => String(c.args.text).includes('2.4 is ready for production'));
    expect(readyLines).toHaveLength(1);
    expect(await count("select count(*) as n from outbox where kind = 'release_signed_off'")).toBe(1);
  }, 60_000);

  it('says the database is ready on both replicas, with the migrations applied once', async () => {
    for (const bot of bots) {
      const ready = (await (await fetch(`${bot.baseUrl}/readyz`)).json()) as {
        checks: Record<string, string>;
      };
      expect([ready.checks.database, ready.checks.migrations]).toEqual(['ok', 'ok']);
    }
    expect(await count('select count(*) as n from drizzle.__drizzle_migrations')).toBe(1);
    expect(await count('select count(*) as n from installation')).toBe(1);
  });
});
