import { AsyncLocalStorage } from 'node:async_hooks';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { CandidateForms } from './candidate.js';
import type { DevenvsForms } from './devenvs.js';
import type { FencingForms } from './fencing.js';
import type { GateForms } from './gate.js';
import type { OutboxForms } from './outbox.js';
import type { ReleasesForms } from './releases.js';
import type { RolesForms } from './roles.js';
import type { ScheduleForms } from './schedule.js';
import type { VotesForms } from './votes.js';
import type * as schema from './schema.js';

/** The SQLite connection as drizzle sees it: what the functions of src/db run their statements on. */
export type Db = BetterSQLite3Database<typeof schema>;
/**
 * The PostgreSQL connection as drizzle sees it, typed without PostgreSQL's schema: the SQLite build does
 * not load it (src/db/postgres/ adds it where it is used).
 */
export type PgDb = NodePgDatabase<Record<string, unknown>>;

/**
 * The PostgreSQL form of each function of src/db that has one, by module (each module declares its
 * interface; src/db/postgres/ implements it). The PostgreSQL store hands them out with its connection, so
 * the SQLite build never loads a line of PostgreSQL code.
 */
export interface PostgresForms {
  outbox: OutboxForms;
  releases: ReleasesForms;
  votes: VotesForms;
  roles: RolesForms;
  schedule: ScheduleForms;
  candidate: CandidateForms;
  fencing: FencingForms;
  gate: GateForms;
  devenvs: DevenvsForms;
}

/** The PostgreSQL form of a function of src/db: the same arguments after the connection, the same result. */
export type PostgresFormOf<F> = F extends (db: never, ...args: infer A) => infer R
  ? (db: PgDb, ...args: A) => R
  : never;
export type PostgresFormsOf<M> = { [K in keyof M]: PostgresFormOf<M[K]> };

/** A PostgreSQL connection (the pool, or one unit of work's) with the forms that run on it. */
export interface PostgresHandle {
  readonly pg: PgDb;
  readonly forms: PostgresForms;
}

/** What a unit of work reads and writes through (`store.transaction(async (tx) => …)`), on either store. */
export type Tx = Db | PostgresHandle;

/**
 * The store as use cases see it: units of work that commit whole or not at all, and reads outside one.
 * Asynchronous, so that a store on a network (PostgreSQL) can stand behind the same calls.
 */
export interface Store<Handle = Tx> {
  /**
   * Runs `work` in one transaction: commits when it resolves, rolls back when it rejects. Units of work
   * with the same `inTurnOn` key (`release:12`) run one after another, each seeing what the one before
   * committed: for a hot read-modify-write of one thing (a storm of votes on one release).
   */
  transaction<T>(work: (tx: Handle) => Promise<T>, options?: UnitOptions): Promise<T>;
  /** Runs reads outside a unit of work (inside one, they read through it). */
  read<T>(work: (db: Handle) => Promise<T> | T): Promise<T>;
}

/**
 * The store did not answer: unreachable, timed out, or its connection broke mid-call. Retrying later may
 * work; callers answer "unavailable, retry" (HTTP 503), never an internal error.
 */
export class StoreUnavailable extends Error {
  constructor(cause: unknown) {
    super(`the database did not answer: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'StoreUnavailable';
  }
}

export interface UnitOptions {
  inTurnOn?: string;
}

/** The store or an open unit of work: every function of src/db takes either. */
export type Reader = Store | Tx;

/** Whether a handle is SQLite's, not PostgreSQL's. */
function isSqlite(db: Tx): db is Db {
  return !('forms' in db);
}

/**
 * Runs a function of src/db written for SQLite only: in the caller's unit of work, or as a read of its
 * own. On PostgreSQL it is refused by name (the function has no PostgreSQL body yet: see `queryEither`).
 */
export function query<T>(db: Reader, run: (db: Db) => T): Promise<T> {
  return queryEither(db, {
    sqlite: run,
    postgres: () => Promise.reject(new Error('this query has no PostgreSQL form yet (issue 24)')),
  });
}

/** Runs a function of src/db in the form for the store it is on. */
export function queryEither<T>(
  db: Reader,
  forms: { sqlite: (db: Db) => T; postgres: (db: PostgresHandle) => Promise<T> },
): Promise<T> {
  const run = (handle: Tx): Promise<T> =>
    // SQLite's statements run now (one connection, synchronous); a throw becomes a rejection.
    isSqlite(handle) ? new Promise((resolve) => resolve(forms.sqlite(handle))) : forms.postgres(handle);
  return 'read' in db ? db.read(run) : run(db);
}

/**
 * The unit of work the current async context runs in, while it is open (both stores keep it here). A read
 * or a nested unit of work inside it joins it instead of waiting behind it for ever.
 */
export const openUnit = new AsyncLocalStorage<OpenUnit>();

export interface OpenUnit {
  open: boolean;
  tx: Tx;
  store: object;
  /** What runs once the unit has committed (never when it rolls back): see `afterUnitOfWork`. */
  committed: (() => void)[];
}

/**
 * Runs `callback` once the caller's unit of work has committed, outside it; at once (on the next turn of
 * the event loop) when there is none. What it starts sees the unit's writes: on PostgreSQL the commit is
 * a network round trip, and a wake-up sent before it would look for rows not yet visible.
 */
export function afterUnitOfWork(callback: () => void): void {
  const unit = openUnit.getStore();
  if (unit?.open) unit.committed.push(callback);
  else setImmediate(() => detachedFromUnitOfWork(callback));
}

/** Called by a store after its unit of work committed. */
export function runCommitted(unit: OpenUnit): void {
  for (const callback of unit.committed.splice(0)) setImmediate(() => detachedFromUnitOfWork(callback));
}

/**
 * Runs `work` outside any unit of work: for what a unit of work starts but does not wait for (the outbox's
 * wake-up). Started inside the unit, it would otherwise join the unit while the unit is still open (on
 * PostgreSQL a unit spans network round trips) and read and write inside another request's transaction.
 */
function detachedFromUnitOfWork<T>(work: () => T): T {
  return openUnit.exit(work);
}
