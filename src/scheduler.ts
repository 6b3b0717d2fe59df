import type { Logger } from './logger.js';

export interface Scheduler {
  /** One pass now (tests with a controlled clock call it instead of waiting for the timer). */
  runOnce(): Promise<void>;
  /** A pass now (catching up on whatever came due while the bot was down), then one every interval. */
  start(): void;
  /** No new pass starts; resolves once the pass in flight has finished. */
  stop(): Promise<void>;
}

/**
 * The timer behind the release calendar. It holds no schedule of its own: each pass reads what is due
 * from the database (with the injected clock), so a restart or a new leader simply catches up. Passes
 * never overlap, and only the active instance runs them.
 */
export function startScheduler(options: {
  pass: () => Promise<unknown>;
  intervalMs: number;
  logger: Logger;
  mayRun: () => boolean;
}): Scheduler {
  let running: Promise<void> | undefined;
  let stopped = false;
  const runOnce = () => {
    if (stopped || !options.mayRun()) return Promise.resolve();
    running ??= options
      .pass()
      .then(() => undefined)
      .catch((error: unknown) =>
        options.logger.error({ err: error }, 'calendar pass failed; the next one retries'),
      )
      .finally(() => (running = undefined));
    return running;
  };
  let timer: NodeJS.Timeout | undefined;
  return {
    runOnce,
    start() {
      timer ??= setInterval(() => void runOnce(), options.intervalMs).unref();
      void runOnce();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
