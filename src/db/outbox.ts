import { and, asc, desc, eq, gt, inArray, sql } from '../vendor/drizzle.js';
import { prepared, type Reader, type Tx } from './database.js';
import { outbox } from './schema.js';

export type OutboxRow = typeof outbox.$inferSelect;

export function insertOutboxRow(
  tx: Tx,
  row: { stream: string; kind: string; payload: unknown; replyTo: string | null; at: Date },
): void {
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
}

/**
 * The oldest pending row of each stream, if it is due: a stream's later rows wait for its head, so a
 * release's messages go out in the order its changes happened.
 */
export function dueHeads(db: Reader, now: Date, limit: number, skipStreams: readonly string[]): OutboxRow[] {
  const heads = prepared(db, 'outboxDueHeads', () =>
    db
      .select()
      .from(outbox)
      .where(
        sql`${outbox.state} = 'pending' and ${outbox.id} = (select min(i.id) from outbox i where i.stream = ${outbox.stream} and i.state = 'pending') and ${outbox.notBefore} <= ${sql.placeholder('now')}`,
      )
      .orderBy(asc(outbox.id))
      .limit(sql.placeholder('limit'))
      .prepare(),
  ).all({ now: now.getTime(), limit: limit + skipStreams.length });
  return heads.filter((h) => !skipStreams.includes(h.stream)).slice(0, limit);
}

/** When the next pending row becomes due, if any is pending. */
export function nextDueAt(db: Reader): Date | undefined {
  const row = db
    .select({ at: sql<number>`min(${outbox.notBefore})` })
    .from(outbox)
    .where(eq(outbox.state, 'pending'))
    .get();
  return row?.at === null || row?.at === undefined ? undefined : new Date(row.at);
}

export function countPending(db: Reader): number {
  return (
    db
      .select({ n: sql<number>`count(*)` })
      .from(outbox)
      .where(eq(outbox.state, 'pending'))
      .get()?.n ?? 0
  );
}

export function setStepsDone(tx: Tx, id: number, stepsDone: number, memo?: unknown): void {
  tx.update(outbox)
    .set(memo === undefined ? { stepsDone } : { stepsDone, memo })
    .where(eq(outbox.id, id))
    .run();
}

export function markDelivered(db: Reader, id: number, at: Date): void {
  db.update(outbox)
    .set({ state: 'delivered', settledAt: at, lastError: null })
    .where(eq(outbox.id, id))
    .run();
}

export function markFailed(db: Reader, id: number, at: Date, error: string): void {
  db.update(outbox).set({ state: 'failed', settledAt: at, lastError: error }).where(eq(outbox.id, id)).run();
}

export function scheduleRetry(
  db: Reader,
  id: number,
  attempts: number,
  notBefore: Date,
  error: string,
): void {
  db.update(outbox).set({ attempts, notBefore, lastError: error }).where(eq(outbox.id, id)).run();
}

/** Whether a later pending row of the same stream is one of `kinds` (so this one's refresh can be skipped). */
export function laterPendingOfKinds(
  db: Reader,
  row: Pick<OutboxRow, 'id' | 'stream'>,
  kinds: string[],
): boolean {
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
}

/**
 * Delivered rows are history, not work: up to `limit` of those settled before `before` go, oldest first.
 * Failed rows stay (they are what on-call reads). Small batches keep each write transaction short.
 */
export function pruneSettled(db: Reader, before: Date, limit = 1_000): number {
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
}

export function countFailed(db: Reader): number {
  return (
    db
      .select({ n: sql<number>`count(*)` })
      .from(outbox)
      .where(eq(outbox.state, 'failed'))
      .get()?.n ?? 0
  );
}

/** The oldest pending row: how long the outbox has been waiting. */
export function oldestPending(db: Reader): OutboxRow | undefined {
  return db.select().from(outbox).where(eq(outbox.state, 'pending')).orderBy(asc(outbox.id)).limit(1).get();
}

/** The newest failed rows, for on-call. */
export function listFailed(db: Reader, limit: number): OutboxRow[] {
  return db
    .select()
    .from(outbox)
    .where(eq(outbox.state, 'failed'))
    .orderBy(desc(outbox.id))
    .limit(limit)
    .all();
}

/** Puts every failed row back in the queue, due now, resuming after the steps it had carried out. */
export function requeueFailed(tx: Tx, now: Date): number {
  return tx
    .update(outbox)
    .set({ state: 'pending', attempts: 0, notBefore: now, settledAt: null, createdAt: now })
    .where(eq(outbox.state, 'failed'))
    .run().changes;
}
