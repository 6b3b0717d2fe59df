import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type * as schema from './schema.js';

/** The SQLite connection as drizzle sees it: what the functions of src/db run their statements on. */
export type Db = BetterSQLite3Database<typeof schema>;
/** What a unit of work reads and writes through (`store.transaction(async (tx) => …)`). */
export type Tx = Db;

/**
 * The store as use cases see it: units of work that commit whole or not at all, and reads outside one.
 * Asynchronous, so that a store on a network (PostgreSQL) can stand behind the same calls.
 */
export interface Store<Handle = Tx> {
  /** Runs `work` in one transaction: commits when it resolves, rolls back when it rejects. */
  transaction<T>(work: (tx: Handle) => Promise<T>): Promise<T>;
  /** Runs reads outside a unit of work (inside one, they read through it). */
  read<T>(work: (db: Handle) => Promise<T> | T): Promise<T>;
}

/** The store or an open unit of work: every function of src/db takes either. */
export type Reader = Store | Tx;

/** Runs a function of src/db on the connection: in the caller's unit of work, or as a read of its own. */
export function query<T>(db: Reader, run: (db: Tx) => T): Promise<T> {
  if ('read' in db) return db.read(run);
  // Inside a unit of work the statement runs now (one connection, synchronous); a throw becomes a rejection.
  return new Promise((resolve) => resolve(run(db)));
}
