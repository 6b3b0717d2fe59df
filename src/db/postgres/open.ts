import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { OpenStore, PostgresSettings } from '../open.js';
import { postgresPool } from './connect.js';
import { migratePostgres, POSTGRES_MIGRATIONS_FOLDER } from './migrate.js';
import { PostgresStore } from './store.js';

function expectedMigrations(): number {
  const journal = JSON.parse(readFileSync(`${POSTGRES_MIGRATIONS_FOLDER}/meta/_journal.json`, 'utf8')) as {
    entries: unknown[];
  };
  return journal.entries.length;
}

/** Connects, migrates under the advisory lock, and opens the PostgreSQL store. */
export async function openPostgres(settings: PostgresSettings): Promise<OpenStore> {
  const pool = postgresPool(settings.url, {
    caFile: settings.caFile,
    max: settings.poolSize,
    statementTimeoutMs: settings.timeoutSeconds * 1000,
  });
  // A connection error while idle must not crash the process: the pool drops the connection, and the
  // next query (and /readyz) says what is wrong.
  pool.on('error', () => undefined);
  await migratePostgres(pool);
  const expected = expectedMigrations();
  const first = async <T>(sql: string, params: unknown[] = []) =>
    (await pool.query<T & Record<string, unknown>>(sql, params)).rows[0];
  return {
    store: new PostgresStore(pool),
    kind: 'postgres',
    async writeProblem() {
      try {
        const row = await first<{ standby: boolean }>('select pg_is_in_recovery() as standby');
        return row?.standby
          ? 'the database is a read-only standby: point DATABASE_URL at the primary'
          : undefined;
      } catch (error) {
        return `the database cannot be reached: ${(error as Error).message}`;
      }
    },
    async migrationProblem() {
      try {
        const row = await first<{ n: string }>('select count(*) as n from drizzle.__drizzle_migrations');
        const applied = Number(row?.n ?? 0);
        return applied >= expected ? undefined : `${applied} of ${expected} migrations applied`;
      } catch (error) {
        return `cannot read the migrations: ${(error as Error).message}`;
      }
    },
    async fence() {
      return (await first<{ epoch: number }>('select epoch from leadership where id = 1'))?.epoch;
    },
    async installationId(at) {
      // Of two instances starting together, the first insert wins and both read its id.
      await pool.query(
        'insert into installation (id, instance_id, created_at) values (1, $1, $2) on conflict (id) do nothing',
        [`rb-${randomBytes(6).toString('hex')}`, at],
      );
      return (await first<{ instance_id: string }>('select instance_id from installation where id = 1'))!
        .instance_id;
    },
    close: () => pool.end(),
  };
}
