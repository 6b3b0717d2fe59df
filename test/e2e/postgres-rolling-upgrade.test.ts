import { readdirSync, readFileSync, rmSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ActionIds } from '../../src/slack/ids.js';
import { DEFAULT_QA } from '../support/bot-harness.js';
import { releaseCommandTo, startBotProcess, type BotProcess } from '../support/bot-process.js';
import { askGate, GATE_TOKEN } from '../support/gate-client.js';
import { freshNamespace, kubeConfig } from '../support/kube.js';
import { startPostgres, type RunningPostgres } from '../support/postgres.js';
import {
  buildPreviousRelease,
  contractingStatements,
  fileAt,
  filesAt,
  previousReleaseCommit,
} from '../support/previous-release.js';
import { blockActionsPayload, interactiveBody } from '../support/slack-payloads.js';
import { SlackStandIn } from '../support/slack-stand-in.js';

describe('a rolling upgrade: the previous release and this build on one PostgreSQL (real server)', () => {
  let previous: string;
  let server: RunningPostgres;
  let pool: pg.Pool;
  let slack: SlackStandIn;
  let env: Record<string, string>;
  const bots: BotProcess[] = [];

  beforeAll(async () => {
    previous = buildPreviousRelease(previousReleaseCommit());
    server = await startPostgres();
    pool = new pg.Pool({ connectionString: server.url, max: 2 });
    slack = await new SlackStandIn().start();
    const ns = await freshNamespace(kubeConfig(inject('kubeconfigPath')), 'upgrade');
    env = {
      KUBECONFIG: inject('kubeconfigPath'),
      DEVENV_PREPROD_NAMESPACE: ns,
      LEASE_NAMESPACE: ns,
      LEASE_DURATION: '3s',
      GATE_API_TOKEN: GATE_TOKEN,
      DATABASE_URL: server.url,
    };
  }, 240_000);
  afterAll(async () => {
    for (const bot of bots) await bot.kill('SIGKILL').catch(() => undefined);
    await slack?.stop();
    await pool?.end();
    await server?.stop();
    if (previous) rmSync(previous, { recursive: true, force: true });
  });

  it('keeps both answering while this build migrates and a migration adds columns, and the previous build runs a whole release on the new schema', async () => {
    const old = await startBotProcess(
      slack,
      '/unused.sqlite',
      { ...env, POD_NAME: 'pod-old' },
      { checkout: previous },
    );
    bots.push(old);
    const live = new Set<BotProcess>([old]);

    // Gate checks every 20 ms, round robin over the replicas in the Service, through the whole upgrade.
    const answers: { status: number; by: 'old' | 'new' }[] = [];
    let running = true;
    let turn = 0;
    const traffic = (async () => {
      for (let i = 0; running; i++) {
        const replicas = [...live];
        const bot = replicas[turn++ % replicas.length]!;
        // A refused or reset connection is a failed request like any other: counted, never thrown.
        const status = await askGate(bot.baseUrl, { issues: [], commit: `c${i}` }).then(
          (answer) => answer.status,
          () => 0,
        );
        answers.push({ status, by: bot === old ? 'old' : 'new' });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    // This build starts beside it and migrates the database the previous one is serving from.
    const next = await startBotProcess(slack, '/unused.sqlite', { ...env, POD_NAME: 'pod-new' });
    bots.push(next);
    live.add(next);
    // The next release's expand migration, applied while both serve: columns the previous build never names.
    await pool.query('alter table releases add column next_rollout_note text');
    await pool.query('alter table votes add column next_weight integer not null default 1');
    await pool.query("alter table outbox add column next_origin text not null default 'bot'");
    await pool.query('alter table gate_checks add column next_pipeline_ref text');

    // The previous release's own operations, on the new schema: a release from create to signed off.
    const oldCommand = releaseCommandTo(() => old, slack);
    expect(await oldCommand('create 3.0')).toBe(200);
    expect(await oldCommand('freeze 3.0')).toBe(200);
    const [release] = (
      await pool.query<{ id: number; revision: number }>(
        "select id, revision from releases where version = '3.0'",
      )
    ).rows;
    expect(release).toMatchObject({ revision: 1 });
    expect(
      await old.post(
        interactiveBody(
          blockActionsPayload({
            actionId: ActionIds.approve,
            value: `${release!.id}:${release!.revision}`,
            userId: DEFAULT_QA,
            responseUrl: `${slack.url}/response/vote`,
          }),
        ),
      ),
    ).toBe(200);
    expect(await oldCommand('status 3.0')).toBe(200);
    // And this build carries on what the previous one wrote: it ships the release.
    expect(await releaseCommandTo(() => next, slack)('ship 3.0')).toBe(200);
    const states = await pool.query<{ state: string }>("select state from releases where version = '3.0'");
    expect(states.rows).toEqual([{ state: 'released' }]);
    expect((await pool.query('select next_weight from votes')).rows).toEqual([{ next_weight: 1 }]);

    // The rollout ends: the previous pod gets SIGTERM and leaves the Service.
    live.delete(old);
    expect(await old.kill('SIGTERM')).toBe(0);
    bots.splice(bots.indexOf(old), 1);
    // Traffic goes on to the new build alone for a while before it stops.
    const afterRollout = answers.length;
    while (answers.length < afterRollout + 10) await new Promise((resolve) => setTimeout(resolve, 50));
    running = false;
    await traffic;

    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    expect(answers.filter((a) => a.by === 'old').length).toBeGreaterThan(0);
    expect(answers.filter((a) => a.by === 'new').length).toBeGreaterThan(10);
    const ready = (await (await fetch(`${next.baseUrl}/readyz`)).json()) as {
      checks: Record<string, string>;
    };
    expect([ready.checks.database, ready.checks.migrations]).toEqual(['ok', 'ok']);
  }, 120_000);
});

describe('migrations since the previous release only expand', () => {
  it('keeps every migration the previous release shipped as it was, and adds none that takes something away from it', () => {
    const commit = previousReleaseCommit();
    const changed: string[] = [];
    const contracting: string[] = [];
    for (const dialect of ['postgres', 'sqlite']) {
      const folder = `migrations/${dialect}`;
      const shipped = filesAt(commit, folder).filter((f) => f.endsWith('.sql'));
      expect(shipped.length).toBeGreaterThan(0);
      for (const file of shipped) {
        // The previous release's schema is what its migrations made: a shipped one never changes.
        if (fileAt(commit, `${folder}/${file}`) !== readFileSync(`${folder}/${file}`, 'utf8'))
          changed.push(file);
      }
      for (const file of readdirSync(folder).filter((f) => f.endsWith('.sql') && !shipped.includes(f)))
        contracting.push(...contractingStatements(readFileSync(`${folder}/${file}`, 'utf8')));
    }
    expect({ changed, contracting }).toEqual({ changed: [], contracting: [] });
  });

  it('tells expanding statements from contracting ones, and lets a contract through when it says why it is safe', () => {
    expect(
      contractingStatements(
        [
          'ALTER TABLE "releases" ADD COLUMN "rollout_note" text;',
          'ALTER TABLE "votes" ADD COLUMN "weight" integer DEFAULT 1 NOT NULL;',
          'CREATE INDEX "votes_at_idx" ON "votes" ("at");',
          'CREATE TABLE "notes" ("id" integer PRIMARY KEY, "body" text NOT NULL);',
        ].join('\n--> statement-breakpoint\n'),
      ),
    ).toEqual([]);
    expect(
      contractingStatements(
        [
          'ALTER TABLE "releases" DROP COLUMN "jira_sync";',
          'DROP TABLE "admitted_images";',
          'ALTER TABLE "releases" RENAME COLUMN "version" TO "name";',
          'ALTER TABLE "votes" ALTER COLUMN "roles" SET DATA TYPE text;',
          'ALTER TABLE "votes" ALTER COLUMN "decision" SET NOT NULL;',
          'ALTER TABLE "votes" ADD COLUMN "weight" integer NOT NULL;',
        ].join('\n--> statement-breakpoint\n'),
      ),
    ).toHaveLength(6);
    expect(
      contractingStatements(
        'ALTER TABLE "releases" DROP COLUMN "jira_sync"; -- contract: unread since the release before',
      ),
    ).toEqual([]);
  });
});
