import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openStore } from '../../src/db/open.js';
import type { Store } from '../../src/db/query.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** postgres://… of the run's server (the `postgres` project only): each test makes its own database. */
    postgresServerUrl: string;
  }
}

/** The store the suites run on: the `postgres` vitest project sets TEST_STORE=postgres. */
export type TestStoreKind = 'sqlite' | 'postgres';
export const testStore: TestStoreKind = process.env.TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

export type Row = Record<string, unknown>;

/**
 * One bot's database for a test, on the store of the run. Tests read it the way an operator would, with
 * plain SQL written once: `?` placeholders, and rows shaped as SQLite gives them (timestamps as
 * milliseconds, booleans as 0/1, JSON as text, counts as numbers), so one assertion holds on both stores.
 */
export interface TestDatabase {
  kind: TestStoreKind;
  /** DATABASE_PATH, or DATABASE_URL for PostgreSQL: what the bot's configuration needs. */
  env: Record<string, string>;
  /** The SQLite file (a test that reaches into SQLite itself, such as a lock held by another connection). */
  path: string;
  rows(sql: string, ...params: unknown[]): Promise<Row[]>;
  /** A statement that changes the database behind the bot's back (a broken row, an operator's edit). */
  run(sql: string, ...params: unknown[]): Promise<void>;
  /**
   * Takes the database away from the bot until `restore`: on SQLite another connection holds the write
   * lock; on PostgreSQL the database refuses connections and the bot's are ended.
   */
  takeAway(): Promise<{ restore(): Promise<void> }>;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  return testStore === 'postgres' ? createPostgresDatabase() : createSqliteDatabase();
}

function createSqliteDatabase(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'release-bot-test-'));
  const database = sqliteTestDatabase(join(dir, 'bot.sqlite'));
  return {
    ...database,
    drop() {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

/** A SQLite file the caller keeps (a benchmark's history, a file shared by two processes); drop leaves it. */
export function sqliteTestDatabase(path: string): TestDatabase {
  const open = (readonly: boolean) => new Database(path, { readonly, fileMustExist: true });
  // better-sqlite3 binds no Date: the bot keeps SQLite timestamps as milliseconds.
  const bind = (params: unknown[]) => params.map((p) => (p instanceof Date ? p.getTime() : p));
  return {
    kind: 'sqlite',
    env: { DATABASE_PATH: path },
    path,
    rows(sql, ...params) {
      const db = open(true);
      try {
        return Promise.resolve(db.prepare(sql).all(...bind(params)) as Row[]);
      } finally {
        db.close();
      }
    },
    run(sql, ...params) {
      const db = open(false);
      try {
        db.prepare(sql).run(...bind(params));
        return Promise.resolve();
      } finally {
        db.close();
      }
    },
    takeAway() {
      const locker = open(false);
      locker.exec('BEGIN IMMEDIATE');
      return Promise.resolve({
        restore() {
          locker.exec('ROLLBACK');
          locker.close();
          return Promise.resolve();
        },
      });
    },
    drop() {
      return Promise.resolve();
    },
  };
}

const INT8 = 20;
/** Counts come back as numbers, as from SQLite (the bot's own tables hold nothing near 2^53). */
const defaultParser = pg.types.getTypeParser as (oid: number, format?: string) => (value: string) => unknown;
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8
      ? (value: string) => Number(value)
      : defaultParser(oid, format)) as typeof pg.types.getTypeParser,
};

async function createPostgresDatabase(): Promise<TestDatabase> {
  // Loaded here: benchmarks use the SQLite side outside vitest.
  const { inject } = await import('vitest');
  const serverUrl = inject('postgresServerUrl');
  const name = `bot_${randomBytes(6).toString('hex')}`;
  const asAdmin = async (sql: string) => {
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    try {
      await admin.query(sql);
    } finally {
      await admin.end();
    }
  };
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await asAdmin(`create database ${name}`);
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2, types });
  const query = async (sql: string, params: unknown[]) => {
    let n = 0;
    const text = sql.replace(/\?/g, () => `$${++n}`);
    return (await pool.query(text, params)).rows as Row[];
  };
  return {
    kind: 'postgres',
    env: { DATABASE_URL: url.toString() },
    path: '',
    async rows(sql, ...params) {
      return (await query(sql, params)).map(asSqliteRow);
    },
    async run(sql, ...params) {
      await query(sql, params);
    },
    async takeAway() {
      await asAdmin(`alter database ${name} allow_connections false`);
      await asAdmin(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}'`);
      return { restore: () => asAdmin(`alter database ${name} allow_connections true`) };
    },
    async drop() {
      await pool.end();
      await asAdmin(`drop database if exists ${name} with (force)`);
    },
  };
}

function asSqliteRow(row: Row): Row {
  return Object.fromEntries(Object.entries(row).map(([column, value]) => [column, asSqliteValue(value)]));
}

function asSqliteValue(value: unknown): unknown {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return value;
}

/** A use-case test's store, on the store of the run, migrated and empty; `close` drops it. */
export interface TestStore {
  store: Store;
  rows(sql: string, ...params: unknown[]): Promise<Row[]>;
  close(): Promise<void>;
}

export async function openTestStore(): Promise<TestStore> {
  const database = await createTestDatabase();
  const open = await openStore({
    databasePath: database.path,
    postgres: database.env.DATABASE_URL
      ? { url: database.env.DATABASE_URL, poolSize: 4, caFile: undefined, timeoutSeconds: 30 }
      : undefined,
  });
  return {
    store: open.store,
    rows: (sql, ...params) => database.rows(sql, ...params),
    async close() {
      await open.close();
      await database.drop();
    },
  };
}
