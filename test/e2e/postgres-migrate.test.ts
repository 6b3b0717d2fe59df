import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MIGRATION_LOCK_KEY,
  migratePostgres,
  POSTGRES_MIGRATIONS_FOLDER,
} from '../../src/db/postgres/migrate.js';
import { startPostgres, type RunningPostgres } from '../support/postgres.js';

const MIGRATIONS = (
  JSON.parse(readFileSync(`${POSTGRES_MIGRATIONS_FOLDER}/meta/_journal.json`, 'utf8')) as {
    entries: unknown[];
  }
).entries.length;

describe('PostgreSQL migrations under an advisory lock (a real server)', () => {
  let server: RunningPostgres;
  const pools: pg.Pool[] = [];
  let databases = 0;

  /** A new empty database on the server, and a pool on it per instance of the bot. */
  async function emptyDatabase(instances: number): Promise<pg.Pool[]> {
    const name = `migrate_${++databases}`;
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = server.url.replace(/\/postgres$/, `/${name}`);
    const made = Array.from({ length: instances }, () => new pg.Pool({ connectionString: url, max: 2 }));
    pools.push(...made);
    return made;
  }

  const appliedIn = async (pool: pg.Pool) =>
    Number(
      (await pool.query<{ n: string }>('select count(*) as n from drizzle.__drizzle_migrations')).rows[0]!.n,
    );
  const waitingForTheLock = async (pool: pg.Pool) =>
    Number(
      (
        await pool.query<{ n: string }>(
          "select count(*) as n from pg_locks where locktype = 'advisory' and objid = $1 and not granted",
          [MIGRATION_LOCK_KEY],
        )
      ).rows[0]!.n,
    );
  async function until(check: () => Promise<boolean>): Promise<void> {
    for (let tries = 0; !(await check()); tries++) {
      if (tries > 200) throw new Error('gave up waiting');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    for (const pool of pools) await pool.end();
    await server?.stop();
  });

  it('migrates once when two instances start together: one applies every migration, the other none', async () => {
    const [a, b] = await emptyDatabase(2);
    const applied = await Promise.all([migratePostgres(a!), migratePostgres(b!)]);
    expect(applied.sort()).toEqual([0, MIGRATIONS]);
    expect(await appliedIn(a!)).toBe(MIGRATIONS);
  }, 60_000);

  it('waits while another instance holds the lock, then finds the schema as that one left it', async () => {
    const [holder, starting] = await emptyDatabase(2);
    const lock = await holder!.connect();
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    let finished = false;
    const migrating = migratePostgres(starting!).then((n) => {
      finished = true;
      return n;
    });
    await until(async () => (await waitingForTheLock(holder!)) === 1);
    expect(finished).toBe(false);
    // The holder migrates meanwhile (as a replica that started first would), then lets go.
    await lock.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    lock.release();
    expect(await migrating).toBe(MIGRATIONS);
    expect(await migratePostgres(holder!)).toBe(0);
  }, 60_000);

  it('goes on when the instance holding the lock dies: the lock ends with its connection', async () => {
    const [dying, starting] = await emptyDatabase(2);
    const lock = await dying!.connect();
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    lock.on('error', () => undefined);
    const migrating = migratePostgres(starting!);
    await until(async () => (await waitingForTheLock(starting!)) === 1);
    const pid = (await lock.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
    await starting!.query('select pg_terminate_backend($1)', [pid]);
    expect(await migrating).toBe(MIGRATIONS);
    lock.release(true);
  }, 60_000);
});
