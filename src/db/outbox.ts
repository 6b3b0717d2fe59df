// One cohesive thing, kept whole: every statement on the outbox table (claims, steps, retries, pruning).
import { and, asc, desc, eq, gt, inArray, like, sql } from '../vendor/drizzle.js';
import { prepared, queryEither, type Db, type PgDb, type Reader, type Tx } from './database.js';
import { outbox } from './schema.js';

export type OutboxRow = typeof outbox.$inferSelect;

type Outcome = { state: 'delivered' | 'failed'; settledAt: Date; lastError: string | null };

/** The PostgreSQL forms of the statements below (src/db/postgres/outbox.ts). */
export interface OutboxForms {
  insertOutboxRow(db: PgDb, row: NewOutboxRow): Promise<void>;
  dueHeads(
    db: PgDb,
    now: Date,
    limit: number,
    skipStreams: readonly string[],
    claimsBefore: Date,
  ): Promise<OutboxRow[]>;
  nextDueAt(db: PgDb, claimTimeoutMs: number): Promise<Date | undefined>;
  countPending(db: PgDb): Promise<number>;
  claimRow(
    db: PgDb,
    id: number,
    claimant: Claimant,
    at: Date,
    claimsBefore: Date,
  ): Promise<OutboxRow | undefined>;
  setStepsDone(
    db: PgDb,
    id: number,
    claimant: Claimant,
    at: Date,
    stepsDone: number,
    memo: unknown,
  ): Promise<void>;
  settle(db: PgDb, id: number, outcome: Outcome, claimant: Claimant | undefined): Promise<void>;
  scheduleRetry(
    db: PgDb,
    id: number,
    claimant: Claimant,
    attempts: number,
    notBefore: Date,
    error: string,
  ): Promise<void>;
  deferRow(
    db: PgDb,
    id: number,
    claimant: Claimant,
    notBefore: Date,
    reason: string,
    sentNothing: boolean,
  ): Promise<void>;
  resumeDeferredRows(db: PgDb, prefix: string, now: Date): Promise<number>;
  releaseClaims(db: PgDb, by: string): Promise<number>;
  laterPendingOfKinds(db: PgDb, row: Pick<OutboxRow, 'id' | 'stream'>, kinds: string[]): Promise<boolean>;
  pruneSettled(db: PgDb, before: Date, limit?: number): Promise<number>;
  countFailed(db: PgDb): Promise<number>;
  oldestPending(db: PgDb): Promise<OutboxRow | undefined>;
  listFailed(db: PgDb, limit: number): Promise<OutboxRow[]>;
  requeueFailed(db: PgDb, now: Date): Promise<number>;
}

export interface NewOutboxRow {
  stream: string;
  kind: string;
  payload: unknown;
  replyTo: string | null;
  at: Date;
}

export function insertOutboxRow(tx: Tx, row: NewOutboxRow): Promise<void> {
  return queryEither(tx, {
    sqlite: (tx) => {
      prepared(tx, 'insertOutboxRow', () =>
        tx
          .insert(outbox)
          .values({
            stream: sql.placeholder('stream'),
            kind: sql.placeholder('kind'),
            payload: sql.placeholder('payload'),
            replyTo: sql.placeholder('replyTo'),
            state: 'pending',
            notBefore: new Date(0),
            createdAt: sql.placeholder('createdAt'),
          })
          .prepare(),
      ).run({
        stream: row.stream,
        kind: row.kind,
        payload: row.payload,
        replyTo: row.replyTo,
        createdAt: row.at,
      });
    },
    postgres: (h) => h.forms.outbox.insertOutboxRow(h.pg, row),
  });
}

/**
 * The oldest pending row of each stream, if it is due: a stream's later rows wait for its head, so a
 * release's messages go out in the order its changes happened.
 */
export function dueHeads(
  db: Reader,
  now: Date,
  limit: number,
  skipStreams: readonly string[],
  claimsBefore: Date = now,
): Promise<OutboxRow[]> {
  return queryEither(db, {
    sqlite: (db) => {
      const heads = prepared(db, 'outboxDueHeads', () =>
        db
          .select()
          .from(outbox)
          .where(
            sql`${outbox.state} = 'pending' and ${outbox.id} = (select min(i.id) from outbox i where i.stream = ${outbox.stream} and i.state = 'pending') and ${outbox.notBefore} <= ${sql.placeholder('now')} and (${outbox.claimedAt} is null or ${outbox.claimedAt} < ${sql.placeholder('claimsBefore')})`,
          )
          .orderBy(asc(outbox.id))
          .limit(sql.placeholder('limit'))
          .prepare(),
      ).all({ now: now.getTime(), limit: limit + skipStreams.length, claimsBefore: claimsBefore.getTime() });
      return heads.filter((h) => !skipStreams.includes(h.stream)).slice(0, limit);
    },
    postgres: (h) => h.forms.outbox.dueHeads(h.pg, now, limit, skipStreams, claimsBefore),
  });
}

/**
 * When the next pending row becomes due, if any is pending: a row another delivery claims is due when that
 * claim ages out (`claimTimeoutMs`), not before, so waiting for it is a timer, not a poll.
 */
export function nextDueAt(db: Reader, claimTimeoutMs: number): Promise<Date | undefined> {
  return queryEither(db, {
    sqlite: (db) => {
      const row = db
        .select({
          at: sql<number>`min(max(${outbox.notBefore}, coalesce(${outbox.claimedAt} + ${claimTimeoutMs + 1}, 0)))`,
        })
        .from(outbox)
        .where(eq(outbox.state, 'pending'))
        .get();
      return row?.at === null || row?.at === undefined ? undefined : new Date(row.at);
    },
    postgres: (h) => h.forms.outbox.nextDueAt(h.pg, claimTimeoutMs),
  });
}

export function countPending(db: Reader): Promise<number> {
  return queryEither(db, {
    sqlite: (db) => {
      return (
        db
          .select({ n: sql<number>`count(*)` })
          .from(outbox)
          .where(eq(outbox.state, 'pending'))
          .get()?.n ?? 0
      );
    },
    postgres: (h) => h.forms.outbox.countPending(h.pg),
  });
}

/** Who delivers a row: the process and the leadership epoch it runs under. */
export interface Claimant {
  by: string;
  epoch: number | null;
}

/**
 * Claims a pending row for one delivery, unless another claim younger than `claimsBefore` holds it.
 * Resolves to the row as claimed (its `claims` counts this one), or undefined when someone else has it.
 */
export function claimRow(
  tx: Tx,
  id: number,
  claimant: Claimant,
  at: Date,
  claimsBefore: Date,
): Promise<OutboxRow | undefined> {
  return queryEither(tx, {
    sqlite: (tx) => {
      return tx
        .update(outbox)
        .set({
          claimedBy: claimant.by,
          claimEpoch: claimant.epoch,
          claimedAt: at,
          claims: sql`${outbox.claims} + 1`,
        })
        .where(
          and(
            eq(outbox.id, id),
            eq(outbox.state, 'pending'),
            sql`(${outbox.claimedAt} is null or ${outbox.claimedAt} < ${claimsBefore.getTime()})`,
          ),
        )
        .returning()
        .get();
    },
    postgres: (h) => h.forms.outbox.claimRow(h.pg, id, claimant, at, claimsBefore),
  });
}

/** Thrown when a row's claim passed to someone else while this delivery was away (its claim aged out). */
export class ClaimLost extends Error {
  constructor(id: number) {
    super(`outbox row ${id} was claimed by another delivery meanwhile`);
    this.name = 'ClaimLost';
  }
}

function ours(id: number, claimant: Claimant) {
  return and(eq(outbox.id, id), eq(outbox.claimedBy, claimant.by));
}

function runOurs(id: number, result: { changes: number }): void {
  if (result.changes === 0) throw new ClaimLost(id);
}

/** Records a step carried out, and renews the claim (each step is one call, under one call deadline). */
export function setStepsDone(
  tx: Tx,
  id: number,
  claimant: Claimant,
  at: Date,
  stepsDone: number,
  memo?: unknown,
): Promise<void> {
  return queryEither(tx, {
    sqlite: (tx) => {
      runOurs(
        id,
        tx
          .update(outbox)
          .set(memo === undefined ? { stepsDone, claimedAt: at } : { stepsDone, memo, claimedAt: at })
          .where(ours(id, claimant))
          .run(),
      );
    },
    postgres: (h) => h.forms.outbox.setStepsDone(h.pg, id, claimant, at, stepsDone, memo),
  });
}

export function markDelivered(tx: Reader, id: number, at: Date, claimant?: Claimant): Promise<void> {
  return queryEither(tx, {
    sqlite: (tx) => {
      settle(tx, id, { state: 'delivered', settledAt: at, lastError: null }, claimant);
    },
    postgres: (h) =>
      h.forms.outbox.settle(h.pg, id, { state: 'delivered', settledAt: at, lastError: null }, claimant),
  });
}

export function markFailed(
  tx: Reader,
  id: number,
  at: Date,
  error: string,
  claimant?: Claimant,
): Promise<void> {
  return queryEither(tx, {
    sqlite: (tx) => {
      settle(tx, id, { state: 'failed', settledAt: at, lastError: error }, claimant);
    },
    postgres: (h) =>
      h.forms.outbox.settle(h.pg, id, { state: 'failed', settledAt: at, lastError: error }, claimant),
  });
}

/** Settles a row for good; with a claimant, only while the claim is still theirs. */
function settle(tx: Db, id: number, outcome: Outcome, claimant: Claimant | undefined): void {
  const result = tx
    .update(outbox)
    .set({ ...outcome, claimedAt: null })
    .where(claimant ? ours(id, claimant) : eq(outbox.id, id))
    .run();
  if (claimant) runOurs(id, result);
}

/** Gives the row back, due at `notBefore`: the next delivery (here or on the next holder) resumes it. */
export function scheduleRetry(
  tx: Reader,
  id: number,
  claimant: Claimant,
  attempts: number,
  notBefore: Date,
  error: string,
): Promise<void> {
  return queryEither(tx, {
    sqlite: (tx) => {
      runOurs(
        id,
        tx
          .update(outbox)
          .set({ attempts, notBefore, lastError: error, claimedAt: null })
          .where(ours(id, claimant))
          .run(),
      );
    },
    postgres: (h) => h.forms.outbox.scheduleRetry(h.pg, id, claimant, attempts, notBefore, error),
  });
}

/**
 * Gives the row back to wait until `notBefore` on purpose: no attempt is counted. `sentNothing` (the first
 * delivery, which stopped before its call) also uncounts the claim, so the next delivery need not look for a
 * message first; a delivery after one in doubt keeps the doubt.
 */
export function deferRow(
  tx: Reader,
  id: number,
  claimant: Claimant,
  notBefore: Date,
  reason: string,
  sentNothing: boolean,
): Promise<void> {
  return queryEither(tx, {
    sqlite: (tx) => {
      runOurs(
        id,
        tx
          .update(outbox)
          .set({
            notBefore,
            lastError: reason,
            claimedAt: null,
            ...(sentNothing ? { claims: sql`${outbox.claims} - 1` } : {}),
          })
          .where(ours(id, claimant))
          .run(),
      );
    },
    postgres: (h) => h.forms.outbox.deferRow(h.pg, id, claimant, notBefore, reason, sentNothing),
  });
}

/** Pending rows that wait on purpose (their last error starts with `prefix`), made due at `now`. */
export function resumeDeferredRows(tx: Reader, prefix: string, now: Date): Promise<number> {
  return queryEither(tx, {
    sqlite: (tx) => {
      return tx
        .update(outbox)
        .set({ notBefore: now })
        .where(
          and(eq(outbox.state, 'pending'), like(outbox.lastError, `${prefix}%`), gt(outbox.notBefore, now)),
        )
        .run().changes;
    },
    postgres: (h) => h.forms.outbox.resumeDeferredRows(h.pg, prefix, now),
  });
}

/** Gives back every row this process still claims (a clean stop): the next holder need not wait them out. */
export function releaseClaims(db: Reader, by: string): Promise<number> {
  return queryEither(db, {
    sqlite: (db) => {
      return db
        .update(outbox)
        .set({ claimedAt: null })
        .where(
          and(eq(outbox.claimedBy, by), eq(outbox.state, 'pending'), sql`${outbox.claimedAt} is not null`),
        )
        .run().changes;
    },
    postgres: (h) => h.forms.outbox.releaseClaims(h.pg, by),
  });
}

/** Whether a later pending row of the same stream is one of `kinds` (so this one's refresh can be skipped). */
export function laterPendingOfKinds(
  db: Reader,
  row: Pick<OutboxRow, 'id' | 'stream'>,
  kinds: string[],
): Promise<boolean> {
  return queryEither(db, {
    sqlite: (db) => {
      return (
        db
          .select({ id: outbox.id })
          .from(outbox)
          .where(
            and(
              eq(outbox.stream, row.stream),
              eq(outbox.state, 'pending'),
              gt(outbox.id, row.id),
              inArray(outbox.kind, kinds),
            ),
          )
          .limit(1)
          .get() !== undefined
      );
    },
    postgres: (h) => h.forms.outbox.laterPendingOfKinds(h.pg, row, kinds),
  });
}

/**
 * Delivered rows are history, not work: up to `limit` of those settled before `before` go, oldest first.
 * Failed rows stay (they are what on-call reads). Small batches keep each write transaction short.
 */
export function pruneSettled(db: Reader, before: Date, limit = 1_000): Promise<number> {
  return queryEither(db, {
    sqlite: (db) => {
      return db
        .delete(outbox)
        .where(
          inArray(
            outbox.id,
            db
              .select({ id: outbox.id })
              .from(outbox)
              .where(and(eq(outbox.state, 'delivered'), sql`${outbox.settledAt} < ${before.getTime()}`))
              .orderBy(outbox.id)
              .limit(limit),
          ),
        )
        .run().changes;
    },
    postgres: (h) => h.forms.outbox.pruneSettled(h.pg, before, limit),
  });
}

export function countFailed(db: Reader): Promise<number> {
  return queryEither(db, {
    sqlite: (db) => {
      return (
        db
          .select({ n: sql<number>`count(*)` })
          .from(outbox)
          .where(eq(outbox.state, 'failed'))
          .get()?.n ?? 0
      );
    },
    postgres: (h) => h.forms.outbox.countFailed(h.pg),
  });
}

/** The oldest pending row: how long the outbox has been waiting. */
export function oldestPending(db: Reader): Promise<OutboxRow | undefined> {
  return queryEither(db, {
    sqlite: (db) => {
      return db
        .select()
        .from(outbox)
        .where(eq(outbox.state, 'pending'))
        .orderBy(asc(outbox.id))
        .limit(1)
        .get();
    },
    postgres: (h) => h.forms.outbox.oldestPending(h.pg),
  });
}

/** The newest failed rows, for on-call. */
export function listFailed(db: Reader, limit: number): Promise<OutboxRow[]> {
  return queryEither(db, {
    sqlite: (db) => {
      return db
        .select()
        .from(outbox)
        .where(eq(outbox.state, 'failed'))
        .orderBy(desc(outbox.id))
        .limit(limit)
        .all();
    },
    postgres: (h) => h.forms.outbox.listFailed(h.pg, limit),
  });
}

/** Puts every failed row back in the queue, due now, resuming after the steps it had carried out. */
export function requeueFailed(tx: Tx, now: Date): Promise<number> {
  return queryEither(tx, {
    sqlite: (tx) => {
      return tx
        .update(outbox)
        .set({
          state: 'pending',
          attempts: 0,
          notBefore: now,
          settledAt: null,
          createdAt: now,
          claimedAt: null,
        })
        .where(eq(outbox.state, 'failed'))
        .run().changes;
    },
    postgres: (h) => h.forms.outbox.requeueFailed(h.pg, now),
  });
}
