import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc, getTableName, type Column } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import * as postgresSchema from '../../src/db/postgres/schema.js';
import * as s from '../../src/db/schema.js';
import { versionKey } from '../../src/domain/version.js';
import { replyText, startTestBot } from '../support/bot-harness.js';
import { startPostgres, type RunningPostgres } from '../support/postgres.js';

const at = new Date('2026-11-30T10:00:00.123Z');
const AUDIT_ROWS = 2_345; // more than two batches of the copy

/** A SQLite database with rows in every table: JSON, booleans, timestamps with milliseconds, nulls. */
function filledDatabase(path: string): void {
  const database = openDatabase(path);
  const { db } = database;
  db.transaction((tx) => {
    tx.insert(s.releases)
      .values([
        {
          version: '2.3',
          versionKey: versionKey('2.3'),
          state: 'released',
          createdBy: 'U1',
          createdAt: at,
          updatedAt: at,
        },
        {
          version: '2.4',
          versionKey: versionKey('2.4'),
          state: 'frozen',
          frozenAt: at,
          freezeAt: at,
          revision: 3,
          requiredRoles: [{ name: 'qa', members: ['UQA00001', 'S0GROUP1'], quorum: 2 }],
          announcementChannel: 'C0RELEASE',
          announcementTs: '1700000000.000100',
          jiraSync: 'pending',
          createdBy: 'U1',
          createdAt: at,
          updatedAt: at,
        },
      ])
      .run();
    for (let i = 0; i < AUDIT_ROWS; i++) {
      tx.insert(s.auditEvents)
        .values({
          releaseId: i % 3 === 0 ? null : 2,
          actor: 'U1',
          action: `entry_${i}`,
          detail: i % 2 ? 'd' : null,
          at,
        })
        .run();
    }
    tx.insert(s.signoffRoles)
      .values({ name: 'qa', members: ['UQA00001'], quorum: 1, updatedBy: 'U1', updatedAt: at })
      .run();
    tx.insert(s.votes)
      .values({
        releaseId: 2,
        revision: 3,
        voter: 'UQA00001',
        decision: 'reject',
        reason: 'ünïcode ✓',
        roles: ['qa'],
        at,
      })
      .run();
    tx.insert(s.gateChecks)
      .values([
        {
          releaseId: 2,
          service: 'blog',
          environment: 'preprod',
          issues: ['BLOG-1'],
          allowed: true,
          reason: 'a fix',
          at,
          changeKey: 'commit:a',
        },
        {
          releaseId: null,
          service: 'tag',
          environment: 'preprod',
          issues: [],
          allowed: false,
          reason: 'frozen',
          at,
        },
      ])
      .run();
    tx.insert(s.freezeExceptions)
      .values({
        releaseId: 2,
        issueKey: 'BLOG-9',
        service: 'blog',
        reason: 'hotfix',
        requestedBy: 'U2',
        state: 'approved',
        decidedBy: 'U1',
        decidedAt: at,
        createdAt: at,
        images: ['reg/blog:9'],
      })
      .run();
    tx.insert(s.devenvs)
      .values({
        name: 'maya-blog',
        owner: 'U2',
        overrides: [{ service: 'blog', target: { kind: 'external', host: 'dev.example.com', port: 8443 } }],
        state: 'live',
        expiresAt: at,
        createdAt: at,
      })
      .run();
    tx.insert(s.outbox)
      .values({
        stream: 'release:2',
        kind: 'vote_recorded',
        payload: { kind: 'vote_recorded', nested: { n: 1 } },
        state: 'pending',
        notBefore: at,
        createdAt: at,
        memo: ['part 1'],
        claims: 2,
        claimEpoch: 4,
        claimedBy: 'pod-a',
        claimedAt: at,
      })
      .run();
    tx.insert(s.scheduleRuns)
      .values({ key: 'freeze:2.4', releaseId: 2, kind: 'freeze', dueAt: at, ranAt: at, outcome: 'frozen' })
      .run();
    tx.insert(s.candidateWorkloads)
      .values({
        releaseId: 2,
        revision: 3,
        namespace: 'preprod',
        kind: 'Deployment',
        name: 'blog',
        service: 'blog',
        containers: [{ container: 'app', image: 'reg/blog:1', init: false }],
        generation: 7,
      })
      .run();
    tx.insert(s.admittedImages)
      .values({
        releaseId: 2,
        service: 'blog',
        image: 'reg/blog:9',
        source: 'exception',
        actor: 'U1',
        reason: 'BLOG-9',
        at,
      })
      .run();
    tx.insert(s.leadership).values({ id: 1, epoch: 5, holder: 'pod-a', since: at }).run();
    tx.insert(s.installation).values({ id: 1, instanceId: 'rb-0123456789ab', createdAt: at }).run();
  });
  database.close();
}

const TABLES = Object.keys(postgresSchema).filter(
  (key) => typeof (postgresSchema as Record<string, unknown>)[key] === 'object',
) as (keyof typeof s)[];

describe('npm run db:copy: SQLite into an empty PostgreSQL (a real server)', () => {
  let server: RunningPostgres;
  let dir: string;
  let source: string;
  let target: string;
  let pool: pg.Pool;

  const copy = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/db/postgres/copy-cli.ts', ...args], {
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: '', DATABASE_PATH: '' },
      timeout: 60_000,
    });

  beforeAll(async () => {
    server = await startPostgres();
    dir = mkdtempSync(join(tmpdir(), 'release-bot-copy-'));
    source = join(dir, 'bot.sqlite');
    filledDatabase(source);
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query('create database copied');
    await admin.end();
    target = server.url.replace(/\/postgres$/, '/copied');
    pool = new pg.Pool({ connectionString: target, max: 2 });
  }, 60_000);
  afterAll(async () => {
    await pool?.end();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies every row of every table in one go, says the counts match, and keeps each value as it was', async () => {
    const run = copy('--from', source, '--to', target);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`${'audit_events'.padEnd(20)} ${String(AUDIT_ROWS).padStart(10)} rows`);
    expect(run.stdout).toMatch(/copied 2359 rows from .* in [\d.]+ s; the counts match/);

    const sqlite = openDatabase(source);
    const postgres = drizzle(pool);
    try {
      for (const key of TABLES) {
        const from = s[key] as SQLiteTable;
        const into = postgresSchema[key] as PgTable;
        const firstColumn = (table: object) => Object.values(table as Record<string, Column>)[0]!;
        const before = sqlite.db
          .select()
          .from(from)
          .orderBy(asc(firstColumn(s[key])))
          .all();
        const after = await postgres
          .select()
          .from(into)
          .orderBy(asc(firstColumn(postgresSchema[key])));
        expect([getTableName(into), after]).toEqual([getTableName(into), before]);
        expect(before.length).toBeGreaterThan(0);
      }
    } finally {
      sqlite.close();
    }
  }, 60_000);

  it('moves the ids on: the next row after the copy gets the next id, not 1', async () => {
    const [release] = await drizzle(pool)
      .insert(postgresSchema.releases)
      .values({ version: '2.5', versionKey: '0002.0005', state: 'planned', createdBy: 'U1' })
      .returning();
    expect(release!.id).toBe(3);
  });

  it('starts the bot on the copy: it serves the copied releases and keeps the installation’s id', async () => {
    const bot = await startTestBot({ DATABASE_URL: target, SIGNOFF_ROLES: '' });
    try {
      const status = replyText(await bot.command('/release', 'status 2.4'));
      expect(status).toContain('2.4');
      expect(status).toContain('frozen');
      const installation = await pool.query<{ instance_id: string }>('select instance_id from installation');
      expect(installation.rows).toEqual([{ instance_id: 'rb-0123456789ab' }]);
    } finally {
      await bot.stop();
    }
  }, 60_000);

  it('refuses a target that is not empty, and changes nothing there', async () => {
    const count = async () =>
      Number((await pool.query<{ n: string }>('select count(*) as n from audit_events')).rows[0]!.n);
    const run = copy('--from', source, '--to', target);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(
      /^db:copy refused: the target database is not empty \(rows in releases, audit_events/,
    );
    expect(await count()).toBe(AUDIT_ROWS);
  }, 60_000);

  it('answers a missing target or source with what to pass, and never prints the password', () => {
    const noTarget = copy('--from', source);
    expect([noTarget.status, noTarget.stderr]).toEqual([
      2,
      expect.stringContaining('--to postgres://') as unknown,
    ]);
    const noSource = copy('--from', join(dir, 'nothing.sqlite'), '--to', target);
    expect([noSource.status, noSource.stderr]).toEqual([
      2,
      expect.stringContaining('there is no SQLite database at') as unknown,
    ]);
    const secret = copy('--from', source, '--to', 'postgres://bot:s3cret-pw@127.0.0.1:1/none');
    expect(secret.status).toBe(1);
    expect(secret.stdout + secret.stderr).not.toContain('s3cret-pw');
  }, 60_000);
});
