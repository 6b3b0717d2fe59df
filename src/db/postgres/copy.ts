import type { PgTable } from 'drizzle-orm/pg-core';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import type pg from 'pg';
import { sql } from '../../vendor/drizzle.js';
import { drizzle, getTableName, type NodePgDatabase } from '../../vendor/drizzle-pg.js';
import type { Db } from '../query.js';
import * as sqliteSchema from '../schema.js';
import { migratePostgres } from './migrate.js';
import * as postgresSchema from './schema.js';

/** Every table, parents before the tables that reference them (releases first). */
const TABLES = [
  'releases',
  'auditEvents',
  'signoffRoles',
  'votes',
  'gateChecks',
  'freezeExceptions',
  'devenvs',
  'outbox',
  'scheduleRuns',
  'candidateWorkloads',
  'admittedImages',
  'leadership',
  'installation',
] as const;

/** Rows a batch reads and inserts: well under PostgreSQL's 65,535 parameters a statement for any table. */
const BATCH_ROWS = 1_000;

export interface TableCount {
  table: string;
  sqlite: number;
  postgres: number;
}

/** Why a copy was refused before it wrote anything (a target with data in it, counts that differ). */
export class CopyRefused extends Error {
  override name = 'CopyRefused';
}

/**
 * Copies every row of a SQLite database into an empty PostgreSQL database: the PostgreSQL schema is
 * migrated first (under the migration lock), then all rows go in one transaction, identity sequences are
 * moved past the copied ids, and the count of each table is compared on both sides before the commit. A
 * target that holds any row is refused, and so is a copy whose counts differ: nothing is left half-written.
 */
export async function copySqliteToPostgres(source: Db, pool: pg.Pool): Promise<TableCount[]> {
  await migratePostgres(pool);
  const client = await pool.connect();
  try {
    const target = drizzle(client);
    const filled: string[] = [];
    for (const key of TABLES) {
      const name = getTableName(postgresSchema[key]);
      if ((await countIn(client, name)) > 0) filled.push(name);
    }
    if (filled.length > 0) {
      throw new CopyRefused(
        `the target database is not empty (rows in ${filled.join(', ')}): copy into a new, empty database`,
      );
    }
    await client.query('begin');
    try {
      const counts: TableCount[] = [];
      for (const key of TABLES) {
        const from = sqliteSchema[key] as SQLiteTable;
        const into = postgresSchema[key] as PgTable;
        await copyTable(source, from, target, into);
        const name = getTableName(into);
        counts.push({ table: name, sqlite: countOf(source, from), postgres: await countIn(client, name) });
      }
      await moveIdentitiesPastCopiedIds(client);
      const differing = counts.filter((c) => c.sqlite !== c.postgres);
      if (differing.length > 0) {
        throw new CopyRefused(
          `counts differ after the copy (${differing.map((c) => `${c.table}: ${c.sqlite} → ${c.postgres}`).join(', ')}); nothing was committed`,
        );
      }
      await client.query('commit');
      return counts;
    } catch (error) {
      await client.query('rollback');
      throw error;
    }
  } finally {
    client.release();
  }
}

/** Reads by rowid, a batch at a time (a history of a million audit rows is never in memory at once). */
async function copyTable(
  source: Db,
  from: SQLiteTable,
  target: NodePgDatabase,
  into: PgTable,
): Promise<void> {
  let after = -1;
  for (;;) {
    const batch = source
      .select({ rowid: sql<number>`rowid`, row: from })
      .from(from)
      .where(sql`rowid > ${after}`)
      .orderBy(sql`rowid`)
      .limit(BATCH_ROWS)
      .all() as { rowid: number; row: Record<string, unknown> }[];
    if (batch.length === 0) return;
    // Identity columns are GENERATED ALWAYS: the copied ids go in as they are, on purpose.
    await target
      .insert(into)
      .overridingSystemValue()
      .values(batch.map((b) => b.row));
    after = batch.at(-1)!.rowid;
  }
}

function countOf(source: Db, table: SQLiteTable): number {
  return (
    source
      .select({ n: sql<number>`count(*)` })
      .from(table)
      .get()?.n ?? 0
  );
}

async function countIn(client: pg.PoolClient, table: string): Promise<number> {
  const result = await client.query<{ n: string }>(`select count(*) as n from "${table}"`);
  return Number(result.rows[0]?.n ?? 0);
}

/** The next id of each identity column comes after the largest id copied, not 1. */
async function moveIdentitiesPastCopiedIds(client: pg.PoolClient): Promise<void> {
  const identities = await client.query<{ table_name: string; column_name: string }>(
    "select table_name, column_name from information_schema.columns where table_schema = 'public' and is_identity = 'YES'",
  );
  for (const { table_name: table, column_name: column } of identities.rows) {
    await client.query(
      `select setval(pg_get_serial_sequence('"${table}"', '${column}'), coalesce((select max("${column}") from "${table}"), 0) + 1, false)`,
    );
  }
}
