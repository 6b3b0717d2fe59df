/** Settled history pruned hourly by the leader, so its cost stays flat as history grows. */
import type { Logger } from '../logger.js';
import type { Store } from '../db/query.js';
import type { Clock } from '../use-cases/ports.js';
import { pruneHistory } from '../use-cases/retention.js';

/** Rows one pruning transaction deletes at most (measured: about 2 ms a batch, docs/running.md, "Retention and history"). */
const RETENTION_BATCH = 1_000;

export function startPruning(deps: {
  store: Store;
  clock: Clock;
  logger: Logger;
  isActive: () => boolean;
  retentionMs: number;
}): { stop(): void } {
  const prune = () => {
    if (!deps.isActive()) return;
    pruneHistory(deps.store, deps.clock.now(), { retentionMs: deps.retentionMs, batchSize: RETENTION_BATCH })
      .then((outcome) => {
        if (outcome.outboxRows + outcome.scheduleRuns > 0)
          deps.logger.info(outcome, 'pruned settled history');
      })
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'pruning failed; the next pass retries'));
  };
  // At start too: a bot restarted more often than hourly must still prune.
  prune();
  const timer = setInterval(prune, 3600_000).unref();
  return { stop: () => clearInterval(timer) };
}
