import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Store, Tx } from '../db/database.js';
import { pruneSettled } from '../db/outbox.js';
import { pruneFinishedRuns } from '../db/schedule.js';

export interface RetentionSettings {
  /** OUTBOX_RETENTION: delivered outbox rows and finished schedule runs older than this go. */
  retentionMs: number;
  /** Rows a transaction deletes at most: each holds the write lock for a few milliseconds only. */
  batchSize: number;
}

export interface PruneOutcome {
  outboxRows: number;
  scheduleRuns: number;
  batches: number;
  /** The longest a batch held the write lock, in milliseconds. */
  longestBatchMs: number;
}

/**
 * What is kept and what goes. Audit rows and gate decisions are the record and are kept; delivered outbox
 * rows and the runs of finished releases are only bookkeeping and go after the retention period, in small
 * transactions with the event loop free between them (gate checks and Slack acks go on meanwhile).
 */
export async function pruneHistory(
  store: Store,
  now: Date,
  settings: RetentionSettings,
): Promise<PruneOutcome> {
  const before = new Date(now.getTime() - settings.retentionMs);
  const outcome: PruneOutcome = { outboxRows: 0, scheduleRuns: 0, batches: 0, longestBatchMs: 0 };
  const batch = async (prune: (tx: Tx) => Promise<number>): Promise<number> => {
    const started = performance.now();
    const removed = await store.transaction(prune);
    outcome.batches++;
    outcome.longestBatchMs = Math.max(outcome.longestBatchMs, performance.now() - started);
    return removed;
  };
  for (;;) {
    const removed = await batch((tx) => pruneSettled(tx, before, settings.batchSize));
    outcome.outboxRows += removed;
    if (removed < settings.batchSize) break;
    await yieldToEventLoop();
  }
  for (;;) {
    const removed = await batch((tx) => pruneFinishedRuns(tx, before, settings.batchSize));
    outcome.scheduleRuns += removed;
    if (removed < settings.batchSize) break;
    await yieldToEventLoop();
  }
  return outcome;
}
