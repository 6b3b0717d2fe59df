import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as schema from '../../src/db/postgres/schema.js';
import { startPostgres, type RunningPostgres } from '../support/postgres.js';

describe('the PostgreSQL schema on a real server (Debian’s package)', () => {
  let server: RunningPostgres;
  let pool: pg.Pool;

  beforeAll(async () => {
    server = await startPostgres();
    pool = new pg.Pool({ connectionString: server.url, max: 2 });
  }, 60_000);
  afterAll(async () => {
    await pool?.end();
    await server?.stop();
  });

  it('migrates an empty database to the 13 tables, twice without harm, and keeps their constraints', async () => {
    const db = drizzle(pool, { schema });
    await migrate(db, { migrationsFolder: 'migrations/postgres' });
    await migrate(db, { migrationsFolder: 'migrations/postgres' });
    const tables = await pool.query<{ table_name: string }>(
      "select table_name from information_schema.tables where table_schema = 'public' order by table_name",
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual([
      'admitted_images',
      'audit_events',
      'candidate_workloads',
      'devenvs',
      'freeze_exceptions',
      'gate_checks',
      'installation',
      'leadership',
      'outbox',
      'releases',
      'schedule_runs',
      'signoff_roles',
      'votes',
    ]);

    const [release] = await db
      .insert(schema.releases)
      .values({ version: '2.4', versionKey: '0002.0004', state: 'planned', createdBy: 'UMAYA0001' })
      .returning();
    expect(release).toMatchObject({ id: 1, revision: 1, state: 'planned' });
    expect(release!.createdAt).toBeInstanceOf(Date);
    const vote = {
      releaseId: release!.id,
      revision: 1,
      voter: 'UQUINN001',
      decision: 'approve' as const,
      roles: ['qa'],
      at: new Date(),
    };
    await db.insert(schema.votes).values(vote);
    // One vote per voter and revision, as on SQLite.
    await expect(db.insert(schema.votes).values(vote)).rejects.toMatchObject({
      cause: expect.objectContaining({ code: '23505' }) as unknown,
    });
    const stored = await pool.query<{ roles: unknown }>('select roles from votes');
    expect(stored.rows).toEqual([{ roles: ['qa'] }]);
  }, 60_000);
});
