import type { Logger } from './logger.js';
import type { DevenvDeps } from './use-cases/devenvs.js';
import {
  reapExpiredDevenvs,
  reconcileDevenvs,
  warnExpiringDevenvs,
  type DevenvOwnerNotifier,
  type ReconcileOutcome,
} from './use-cases/devenv-upkeep.js';
import { writesIn } from './domain/devenv/converge.js';

export interface DevenvUpkeep {
  /** The last reconcile pass, for `/devenv status`. */
  lastReconcile(): ReconcileOutcome | undefined;
  /** A reconcile pass now (a new leader starts with one). */
  reconcileNow(): Promise<void>;
  /** One pass of everything: expiry warnings, reaping, reconcile. Timers call it; tests may too. */
  runOnce(): Promise<void>;
  /** No new pass starts; resolves once the passes in flight have finished. */
  stop(): Promise<void>;
}

/** Timers for the controller side of /devenv: reconcile at start and every interval; expiry every minute. */
export function startDevenvUpkeep(
  deps: DevenvDeps,
  notifier: DevenvOwnerNotifier,
  options: {
    reconcileIntervalMs: number;
    expiryTickMs: number;
    logger: Logger;
    autostart: boolean;
    /** Only the active instance reconciles and reaps (false on a standby). */
    mayRun?: () => boolean;
    /** Runs a pass under the current leadership epoch: its writes are refused once another holder leads. */
    fenced?: <T>(work: () => Promise<T>) => Promise<T>;
    observe?: {
      reconciled(seconds: number, repairs: number): void;
      reaped(count: number): void;
    };
  },
): DevenvUpkeep {
  let last: ReconcileOutcome | undefined;
  // A pass still running makes the next tick a no-op: passes never overlap.
  let reconciling: Promise<void> | undefined;
  let expiring: Promise<void> | undefined;
  let stopped = false;
  const mayRun = () => !stopped && (options.mayRun?.() ?? true);
  const fenced = options.fenced ?? ((work) => work());
  const reconcile = () =>
    mayRun()
      ? (reconciling ??= fenced(reconcileOnce).finally(() => (reconciling = undefined)))
      : Promise.resolve();
  const expiry = () =>
    mayRun() ? (expiring ??= fenced(expiryOnce).finally(() => (expiring = undefined))) : Promise.resolve();
  const reconcileOnce = async () => {
    const started = performance.now();
    try {
      last = await reconcileDevenvs(deps, notifier);
      if (!last.error)
        options.observe?.reconciled((performance.now() - started) / 1000, writesIn(last.report));
    } catch (error) {
      options.logger.error({ err: error }, 'reconcile failed; the next pass retries');
      last = {
        at: deps.clock.now(),
        report: { applied: [], updated: [], deleted: [], unchanged: 0, conflictsRetried: 0 },
        recovered: [],
        error: (error as Error).message,
      };
    }
  };
  const expiryOnce = async () => {
    try {
      await warnExpiringDevenvs(deps, notifier);
      const reaped = await reapExpiredDevenvs(deps, notifier);
      if (reaped.length > 0) options.observe?.reaped(reaped.length);
    } catch (error) {
      options.logger.error({ err: error }, 'expiry pass failed; the next pass retries');
    }
  };
  const timers: NodeJS.Timeout[] = [];
  if (options.autostart) {
    // At start, and again whenever this instance becomes the active one (see the composition root).
    void reconcile();
    timers.push(setInterval(() => void reconcile(), options.reconcileIntervalMs).unref());
    timers.push(setInterval(() => void expiry(), options.expiryTickMs).unref());
  }
  return {
    lastReconcile: () => last,
    reconcileNow: () => reconcile(),
    async runOnce() {
      await expiry();
      await reconcile();
    },
    async stop() {
      stopped = true;
      for (const timer of timers) clearInterval(timer);
      await Promise.all([reconciling, expiring]);
    },
  };
}
