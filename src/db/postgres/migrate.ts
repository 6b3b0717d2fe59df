import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { drizzle, migrate } from '../../vendor/drizzle-pg.js';

/** src/db/postgres and dist/db/postgres both sit three levels below the package root. */
export const POSTGRES_MIGRATIONS_FOLDER = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../migrations/postgres',
);

/**
 * The advisory lock every instance takes to migrate: a fixed key, the same in every release, so two
 * replicas starting together (a rolling upgrade, a scale-up) migrate once; the second waits, then finds
 * nothing left to do. Session-level and on one connection, so it ends with that connection if the process
 * dies halfway.
 */
export const MIGRATION_LOCK_KEY = 0x7265_6c62; // "relb"

/**
 * Applies the PostgreSQL migrations not yet applied, under the advisory lock. Resolves to how many were
 * applied by this call (0 when another instance did them, or nothing was new).
 */
export async function migratePostgres(
  pool: pg.Pool,
  migrationsFolder = POSTGRES_MIGRATIONS_FOLDER,
): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const before = await appliedMigrations(client);
      await migrate(drizzle(client), { migrationsFolder });
      return (await appliedMigrations(client)) - before;
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}

/** How many migrations drizzle recorded (its table lives in the `drizzle` schema, made by the first run). */
async function appliedMigrations(client: pg.PoolClient): Promise<number> {
  const table = await client.query<{ present: boolean }>(
    "select to_regclass('drizzle.__drizzle_migrations') is not null as present",
  );
  if (!table.rows[0]?.present) return 0;
  const count = await client.query<{ n: string }>('select count(*) as n from drizzle.__drizzle_migrations');
  return Number(count.rows[0]?.n ?? 0);
}
