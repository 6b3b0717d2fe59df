import { AsyncLocalStorage } from 'node:async_hooks';
import { eq, sql } from '../vendor/drizzle.js';
import { type Db, type Tx, queryEither, type PostgresFormsOf } from './query.js';
import { leadership } from './schema.js';

/**
 * A write refused because a later Lease holder raised the fence: this instance no longer leads, and what
 * it was doing is the new holder's now.
 */
export class FencedOut extends Error {
  constructor(
    readonly epoch: number,
    readonly fence: number,
  ) {
    super(`fenced out: this instance ran under epoch ${epoch}, a later holder raised the fence to ${fence}`);
    this.name = 'FencedOut';
  }
}

const running = new AsyncLocalStorage<{ epoch: number }>();

/**
 * Runs background work (a delivery, a scheduler pass, a reconcile, a gate write) under a leadership epoch:
 * every transaction it opens checks the fence first, so a holder that lost the Lease cannot commit after
 * a newer holder took over, however late its code runs (a paused process, a slow call). `undefined` runs
 * unfenced (no leader election: one instance).
 */
export function runFenced<T>(epoch: number | undefined, work: () => T): T {
  return epoch === undefined ? work() : running.run({ epoch }, work);
}

/** The epoch the current work runs under, if any. */
export function currentEpoch(): number | undefined {
  return running.getStore()?.epoch;
}

/** Called first in every transaction (openDatabase wires it): throws when the running work is fenced out. */
export function assertFence(tx: Db): void {
  const store = running.getStore();
  if (!store) return;
  const fence = currentFence(tx);
  if (fence !== undefined && fence > store.epoch) throw new FencedOut(store.epoch, fence);
}

export function currentFence(db: Db): number | undefined {
  return db.select({ epoch: leadership.epoch }).from(leadership).where(eq(leadership.id, 1)).get()?.epoch;
}

/**
 * A new holder raises the fence to its epoch (never lowers it). Resolves to false when the fence is
 * already above it: a later holder exists, so this one must not act.
 */
export function raiseFence(tx: Tx, epoch: number, holder: string, at: Date): Promise<boolean> {
  return queryEither(tx, {
    sqlite: (tx) => {
      const fence = currentFence(tx);
      if (fence !== undefined && fence > epoch) return false;
      tx.insert(leadership)
        .values({ id: 1, epoch, holder, since: at })
        .onConflictDoUpdate({
          target: leadership.id,
          set: { epoch: sql`max(${leadership.epoch}, excluded.epoch)`, holder, since: at },
        })
        .run();
      return true;
    },
    postgres: (h) => h.forms.fencing.raiseFence(h.pg, epoch, holder, at),
  });
}

/** The PostgreSQL forms of the statements above (src/db/postgres/fencing.ts). */
export type FencingForms = PostgresFormsOf<{
  raiseFence: typeof raiseFence;
}>;
