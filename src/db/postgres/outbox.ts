// The outbox's statements on PostgreSQL (the SQLite forms, and what each does, are in src/db/outbox.ts).
import { and, asc, desc, eq, gt, inArray, like, lt, sql } from '../../vendor/drizzle.js';
import { ClaimLost, type Claimant, type OutboxForms } from '../outbox.js';
import { outbox } from './schema.js';

function ours(id: number, claimant: Claimant) {
  return and(eq(outbox.id, id), eq(outbox.claimedBy, claimant.by));
}

/** Updates with `returning` say how many rows they changed on any driver. */
function changedOurs(id: number, changed: unknown[]): void {
  if (changed.length === 0) throw new ClaimLost(id);
}

export const outboxForms: OutboxForms = {
  async insertOutboxRow(db, row) {
    await db.insert(outbox).values({
      stream: row.stream,
      kind: row.kind,
      payload: row.payload,
      replyTo: row.replyTo,
      state: 'pending',
      notBefore: new Date(0),
      createdAt: row.at,
    });
  },

  async dueHeads(db, now, limit, skipStreams, claimsBefore) {
    const heads = await db
      .select()
      .from(outbox)
      .where(
        sql`${outbox.state} = 'pending' and ${outbox.id} = (select min(i.id) from outbox i where i.stream = ${outbox.stream} and i.state = 'pending') and ${outbox.notBefore} <= ${now} and (${outbox.claimedAt} is null or ${outbox.claimedAt} < ${claimsBefore})`,
      )
      .orderBy(asc(outbox.id))
      .limit(limit + skipStreams.length);
    return heads.filter((h) => !skipStreams.includes(h.stream)).slice(0, limit);
  },

  async nextDueAt(db, claimTimeoutMs) {
    const [row] = await db
      .select({
        at: sql<Date | null>`min(greatest(${outbox.notBefore}, coalesce(${outbox.claimedAt} + make_interval(secs => ${(claimTimeoutMs + 1) / 1000}), 'epoch'::timestamptz)))`,
      })
      .from(outbox)
      .where(eq(outbox.state, 'pending'));
    return row?.at ? new Date(row.at) : undefined;
  },

  async countPending(db) {
    const [row] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(outbox)
      .where(eq(outbox.state, 'pending'));
    return row?.n ?? 0;
  },

  /**
   * FOR UPDATE SKIP LOCKED: a row another instance is claiming right now is skipped at once (no wait, no
   * serialization failure); the claim carries the Lease's epoch.
   */
  async claimRow(db, id, claimant, at, claimsBefore) {
    const free = db
      .select({ id: outbox.id })
      .from(outbox)
      .where(
        and(
          eq(outbox.id, id),
          eq(outbox.state, 'pending'),
          sql`(${outbox.claimedAt} is null or ${outbox.claimedAt} < ${claimsBefore})`,
        ),
      )
      .for('update', { skipLocked: true });
    const [row] = await db
      .update(outbox)
      .set({
        claimedBy: claimant.by,
        claimEpoch: claimant.epoch,
        claimedAt: at,
        claims: sql`${outbox.claims} + 1`,
      })
      .where(inArray(outbox.id, free))
      .returning();
    return row;
  },

  async setStepsDone(db, id, claimant, at, stepsDone, memo) {
    changedOurs(
      id,
      await db
        .update(outbox)
        .set(memo === undefined ? { stepsDone, claimedAt: at } : { stepsDone, memo, claimedAt: at })
        .where(ours(id, claimant))
        .returning({ id: outbox.id }),
    );
  },

  async settle(db, id, outcome, claimant) {
    const changed = await db
      .update(outbox)
      .set({ ...outcome, claimedAt: null })
      .where(claimant ? ours(id, claimant) : eq(outbox.id, id))
      .returning({ id: outbox.id });
    if (claimant) changedOurs(id, changed);
  },

  async scheduleRetry(db, id, claimant, attempts, notBefore, error) {
    changedOurs(
      id,
      await db
        .update(outbox)
        .set({ attempts, notBefore, lastError: error, claimedAt: null })
        .where(ours(id, claimant))
        .returning({ id: outbox.id }),
    );
  },

  async deferRow(db, id, claimant, notBefore, reason, sentNothing) {
    changedOurs(
      id,
      await db
        .update(outbox)
        .set({
          notBefore,
          lastError: reason,
          claimedAt: null,
          ...(sentNothing ? { claims: sql`${outbox.claims} - 1` } : {}),
        })
        .where(ours(id, claimant))
        .returning({ id: outbox.id }),
    );
  },

  async resumeDeferredRows(db, prefix, now) {
    const changed = await db
      .update(outbox)
      .set({ notBefore: now })
      .where(
        and(eq(outbox.state, 'pending'), like(outbox.lastError, `${prefix}%`), gt(outbox.notBefore, now)),
      )
      .returning({ id: outbox.id });
    return changed.length;
  },

  async releaseClaims(db, by) {
    const changed = await db
      .update(outbox)
      .set({ claimedAt: null })
      .where(and(eq(outbox.claimedBy, by), eq(outbox.state, 'pending'), sql`${outbox.claimedAt} is not null`))
      .returning({ id: outbox.id });
    return changed.length;
  },

  async laterPendingOfKinds(db, row, kinds) {
    const later = await db
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
      .limit(1);
    return later.length > 0;
  },

  async pruneSettled(db, before, limit = 1_000) {
    const removed = await db
      .delete(outbox)
      .where(
        inArray(
          outbox.id,
          db
            .select({ id: outbox.id })
            .from(outbox)
            .where(and(eq(outbox.state, 'delivered'), lt(outbox.settledAt, before)))
            .orderBy(outbox.id)
            .limit(limit),
        ),
      )
      .returning({ id: outbox.id });
    return removed.length;
  },

  async countFailed(db) {
    const [row] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(outbox)
      .where(eq(outbox.state, 'failed'));
    return row?.n ?? 0;
  },

  async oldestPending(db) {
    const [row] = await db
      .select()
      .from(outbox)
      .where(eq(outbox.state, 'pending'))
      .orderBy(asc(outbox.id))
      .limit(1);
    return row;
  },

  async listFailed(db, limit) {
    return db.select().from(outbox).where(eq(outbox.state, 'failed')).orderBy(desc(outbox.id)).limit(limit);
  },

  async requeueFailed(db, now) {
    const requeued = await db
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
      .returning({ id: outbox.id });
    return requeued.length;
  },
};
