import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, migrate } from '../vendor/drizzle.js';
import * as schema from './schema.js';
import { assertFence } from './fencing.js';

export {
  query,
  queryEither,
  type Db,
  type PgDb,
  type PostgresFormsOf,
  type PostgresHandle,
  type Reader,
  type Store,
  type Tx,
} from './query.js';
import { openUnit, runCommitted, type OpenUnit, type Db, type Reader, type Store, type Tx } from './query.js';

const BUSY_TIMEOUT_MS = 5000;

/** src/db and dist/db both sit two levels below the package root. */
const MIGRATIONS_FOLDER = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations/sqlite');

export interface OpenDatabase {
  store: Store;
  /** The connection itself, for what runs before anything is served (migrations, the installation's id). */
  db: Db;
  /** Why the database cannot take a write right now (read-only volume, locked, full), if it cannot. */
  writeProblem(): string | undefined;
  /** Why the schema is not the one this build expects, if it is not. */
  migrationProblem(): string | undefined;
  close(): void;
  /** `EXPLAIN QUERY PLAN` of a statement, one line per step. */
  explain(sql: string): string[];
}

function expectedMigrations(): number {
  const journal = JSON.parse(readFileSync(resolve(MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8')) as {
    entries: unknown[];
  };
  return journal.entries.length;
}

/**
 * Opens (creating the directory if needed) and migrates the database. `trace` sees every statement as run,
 * with its parameters (the query-plan test reads them; nothing in production sets it).
 */
export function openDatabase(path: string, options: { trace?: (sql: string) => void } = {}): OpenDatabase {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new Database(path, options.trace ? { verbose: (sql) => options.trace!(String(sql)) } : {});
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // FULL: a commit is on disk before the ack that promises it (NORMAL in WAL mode can lose the last commits
  // on power loss). Measured here: 0.20–0.23 ms a commit against 0.02–0.03 ms (docs/running.md, "Durability").
  sqlite.pragma('synchronous = FULL');
  fenceLoneWrites(sqlite, () => db);
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  // Every transaction of fenced work (runFenced) checks the fence before it writes anything.
  const transaction = db.transaction.bind(db);
  db.transaction = (run, config) =>
    transaction((tx) => {
      assertFence(tx);
      return run(tx);
    }, config);
  const expected = expectedMigrations();
  return {
    store: new SqliteStore(sqlite, db),
    db,
    explain: (statement) =>
      (sqlite.prepare(`EXPLAIN QUERY PLAN ${statement}`).all() as { detail: string }[]).map((r) => r.detail),
    writeProblem() {
      // Takes the write lock and gives it back: proves a write could happen now, writes nothing. A probe
      // does not wait out the busy timeout: a lock held that long is itself the answer.
      sqlite.pragma('busy_timeout = 0');
      try {
        sqlite.exec('BEGIN IMMEDIATE; ROLLBACK');
        return undefined;
      } catch (error) {
        return `the database cannot be written: ${(error as Error).message}`;
      } finally {
        sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      }
    },
    migrationProblem() {
      const row = sqlite.prepare('select count(*) as n from __drizzle_migrations').get() as { n: number };
      return row.n >= expected ? undefined : `${row.n} of ${expected} migrations applied`;
    },
    close: () => sqlite.close(),
  };
}

/**
 * Statements prepared once per connection and reused: building and preparing a query costs more than
 * running it (profiled on the gate at 500/s: drizzle's query building and SQLite's prepare took half the
 * CPU). Keyed by the session, which a transaction shares with its database: every transaction is a new
 * object, and a statement prepared once runs inside any of them (one connection, synchronous).
 */
const statements = new WeakMap<object, Map<string, unknown>>();

export function prepared<T>(db: Reader, key: string, build: () => T): T {
  const connection = (db as unknown as { session: object }).session;
  let cache = statements.get(connection);
  if (!cache) {
    cache = new Map();
    statements.set(connection, cache);
  }
  let statement = cache.get(key) as T | undefined;
  if (statement === undefined) {
    statement = build();
    cache.set(key, statement);
  }
  return statement;
}

/**
 * A write outside any transaction checks the fence too: fenced work that updates a row with a lone
 * statement (not through `db.transaction`) is refused like a transaction would be. Statements that only
 * read, and statements inside a transaction (whose start checked already), pass straight through.
 */
function fenceLoneWrites(sqlite: Database.Database, db: () => Db): void {
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((source: string) => {
    const statement = prepare(source);
    if (statement.readonly) return statement;
    for (const method of ['run', 'get', 'all', 'iterate'] as const) {
      const original = statement[method].bind(statement) as (...params: unknown[]) => unknown;
      Object.defineProperty(statement, method, {
        value: (...params: unknown[]) => {
          if (!sqlite.inTransaction) assertFence(db());
          return original(...params);
        },
      });
    }
    return statement;
  }) as typeof sqlite.prepare;
}

/**
 * One connection, one unit of work at a time. A unit of work awaits between its statements, so another
 * request could otherwise run statements inside it (and commit or see its half-done writes): every unit
 * of work and every read outside one waits its turn in one queue. Inside a unit of work, reads and a
 * nested unit join it (its async context says so) instead of waiting behind it for ever. Statements stay
 * prepared once per connection (`prepared`). Every unit of work is in turn here, so `inTurnOn` asks
 * nothing more.
 */
class SqliteStore implements Store {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly sqlite: Database.Database,
    private readonly db: Db,
  ) {}

  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    if (this.inOpenUnit()) return work(this.db);
    return this.inTurn(async () => {
      // IMMEDIATE takes the write lock now: another process on the file waits here (busy timeout), not
      // at its first write halfway through.
      this.sqlite.exec('BEGIN IMMEDIATE');
      const unit: OpenUnit = { open: true, tx: this.db, store: this, committed: [] };
      try {
        assertFence(this.db);
        const result = await openUnit.run(unit, () => work(this.db));
        unit.open = false;
        this.sqlite.exec('COMMIT');
        runCommitted(unit);
        return result;
      } catch (error) {
        unit.open = false;
        if (this.sqlite.inTransaction) this.sqlite.exec('ROLLBACK');
        throw error;
      }
    });
  }

  read<T>(work: (db: Tx) => Promise<T> | T): Promise<T> {
    if (this.inOpenUnit()) return Promise.resolve().then(() => work(this.db));
    return this.inTurn(() => Promise.resolve().then(() => work(this.db)));
  }

  private inOpenUnit(): boolean {
    const unit = openUnit.getStore();
    return unit?.open === true && unit.store === this;
  }

  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const turn = this.tail.then(work);
    this.tail = turn.catch(() => undefined);
    return turn;
  }
}
