import type { Logger } from './logger.js';
import type { DevenvDeps } from './use-cases/devenvs.js';
import {
  reapExpiredDevenvs,
  reconcileDevenvs,
  warnExpiringDevenvs,
  type DevenvOwnerNotifier,
  type ReconcileOutcome,
} from './use-cases/devenv-upkeep.js';

export interface DevenvUpkeep {
  /** The last reconcile pass, for `/devenv status`. */
  lastReconcile(): ReconcileOutcome | undefined;
  /** One pass of everything: expiry warnings, reaping, reconcile. Timers call it; tests may too. */
  runOnce(): Promise<void>;
  stop(): void;
}

/** Timers for the controller side of /devenv: reconcile at start and every interval; expiry every minute. */
export function startDevenvUpkeep(
  deps: DevenvDeps,
  notifier: DevenvOwnerNotifier,
  options: { reconcileIntervalMs: number; expiryTickMs: number; logger: Logger; autostart: boolean },
): DevenvUpkeep {
  let last: ReconcileOutcome | undefined;
  // A pass still running makes the next tick a no-op: passes never overlap.
  let reconciling: Promise<void> | undefined;
  let expiring: Promise<void> | undefined;
  const reconcile = () => (reconciling ??= reconcileOnce().finally(() => (reconciling = undefined)));
  const expiry = () => (expiring ??= expiryOnce().finally(() => (expiring = undefined)));
  const reconcileOnce = async () => {
    try {
      last = await reconcileDevenvs(deps, notifier);
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
      await reapExpiredDevenvs(deps, notifier);
    } catch (error) {
      options.logger.error({ err: error }, 'expiry pass failed; the next pass retries');
    }
  };
  const timers: NodeJS.Timeout[] = [];
  if (options.autostart) {
    void reconcile();
    timers.push(setInterval(() => void reconcile(), options.reconcileIntervalMs).unref());
    timers.push(setInterval(() => void expiry(), options.expiryTickMs).unref());
  }
  return {
    lastReconcile: () => last,
    async runOnce() {
      await expiry();
      await reconcile();
    },
    stop() {
      for (const timer of timers) clearInterval(timer);
    },
  };
}
