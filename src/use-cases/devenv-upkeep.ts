import {
  deleteDevenvRow,
  listAllDevenvs,
  listExpiredDevenvs,
  listRoutedDevenvs,
  markWarned,
  toDevenv,
} from '../db/devenvs.js';
import { appendAudit } from '../db/releases.js';
import type { Devenv } from '../domain/devenv/model.js';
import { writesIn, type ConvergeReport } from '../domain/devenv/converge.js';
import type { Tx } from '../db/database.js';
import { unsafeTargets, type DevenvDeps } from './devenvs.js';
import { removeDevenv } from './remove-devenv.js';
import type { Notice, Outbox } from './ports.js';

/**
 * Tells environment owners what happened to their environments (DMs in Slack), written inside the
 * transaction of the change it tells of: the warning with its `warned` mark, the DM with the removal.
 */
export interface DevenvOwnerNotifier {
  expiringSoon(tx: Tx, env: Devenv): Promise<void>;
  expired(tx: Tx, env: Devenv): Promise<void>;
  creationInterrupted(tx: Tx, env: Devenv): Promise<void>;
  unsafeTarget(tx: Tx, env: Devenv, host: string, reason: string): Promise<void>;
}

export const WARN_BEFORE_EXPIRY_MS = 30 * 60 * 1000;

export interface ReconcileOutcome {
  at: Date;
  report: ConvergeReport;
  /** Environments whose create or delete was interrupted (a crash) and were finished here. */
  recovered: string[];
  error: string | undefined;
}

/**
 * Level-based: whatever happened before, the cluster ends up saying what the database says. Interrupted
 * creates are dropped (their owner is told), interrupted deletes are finished, drift is re-applied and
 * objects of ours that no live environment explains are removed.
 */
export async function reconcileDevenvs(
  deps: DevenvDeps,
  notifier: DevenvOwnerNotifier,
): Promise<ReconcileOutcome> {
  const at = deps.clock.now();
  if (!deps.cluster || deps.dryRunReason) {
    return {
      at,
      report: { applied: [], updated: [], deleted: [], unchanged: 0, conflictsRetried: 0 },
      recovered: [],
      error: deps.dryRunReason ?? 'no cluster',
    };
  }
  const cluster = deps.cluster;
  await removeUnsafeEnvironments(deps, notifier);
  return deps.locks.withAll(async () => {
    const interrupted = (await listAllDevenvs(deps.store)).filter((r) => r.state !== 'live');
    const live = (await listRoutedDevenvs(deps.store)).filter((r) => r.state === 'live').map(toDevenv);
    const report = await cluster.applier.converge(live);
    await deps.store.transaction(async (tx) => {
      for (const row of interrupted) {
        await deleteDevenvRow(tx, row.name);
        await appendAudit(tx, {
          releaseId: null,
          actor: 'reconciler',
          action: row.state === 'applying' ? 'devenv_create_interrupted' : 'devenv_deleted',
          detail: row.name,
          at,
        });
        if (row.state === 'applying') await notifier.creationInterrupted(tx, toDevenv(row));
      }
    });
    if (writesIn(report) > 0 || interrupted.length > 0) {
      deps.logger.info(
        {
          applied: report.applied,
          updated: report.updated,
          deleted: report.deleted,
          recovered: interrupted.map((r) => r.name),
        },
        'reconcile repaired the cluster',
      );
    }
    return { at, report, recovered: interrupted.map((r) => r.name), error: undefined };
  });
}

/**
 * Takes down every environment whose outside target now resolves where pre-prod traffic must not go (a
 * record changed after the create: DNS rebinding), and tells its owner. A name that does not resolve right
 * now is left alone: a DNS outage is not a reason to delete anyone's environment.
 */
async function removeUnsafeEnvironments(deps: DevenvDeps, notifier: DevenvOwnerNotifier): Promise<void> {
  for (const row of (await listRoutedDevenvs(deps.store)).filter((r) => r.state === 'live')) {
    const env = toDevenv(row);
    if (!env.overrides.some((o) => o.target.kind === 'external')) continue;
    try {
      const unsafe = (await unsafeTargets(deps, env.overrides)).find((u) => !u.unresolved);
      if (!unsafe) continue;
      await removeDevenv(deps, { userId: 'reconciler' }, env.name, 'unsafe_target', (tx, removed) =>
        notifier.unsafeTarget(tx, removed, unsafe.host, unsafe.reason),
      );
      deps.logger.warn(
        { env: env.name, host: unsafe.host, reason: unsafe.reason },
        'an outside target resolves to a forbidden address; the environment was removed',
      );
    } catch (error) {
      deps.logger.error(
        { err: error, env: env.name },
        'could not check an outside target; the next pass retries',
      );
    }
  }
}

/** Removes expired environments (routes first, then the record) and tells their owners. */
export async function reapExpiredDevenvs(deps: DevenvDeps, notifier: DevenvOwnerNotifier): Promise<string[]> {
  const reaped: string[] = [];
  for (const row of (await listExpiredDevenvs(deps.store, deps.clock.now())).filter(
    (r) => r.state === 'live',
  )) {
    try {
      // The owner's DM is queued in the transaction that deletes the record: both, or neither.
      const env = await removeDevenv(deps, { userId: 'reaper' }, row.name, 'expired', (tx, removed) =>
        notifier.expired(tx, removed),
      );
      if (!env) continue;
      reaped.push(env.name);
    } catch (error) {
      deps.logger.error(
        { err: error, env: row.name },
        'could not reap an expired environment; the next pass retries',
      );
    }
  }
  return reaped;
}

/** One DM per environment, 30 minutes before it expires (again after each extension). */
export async function warnExpiringDevenvs(
  deps: DevenvDeps,
  notifier: DevenvOwnerNotifier,
): Promise<string[]> {
  const now = deps.clock.now();
  const due = (await listAllDevenvs(deps.store)).filter(
    (r) =>
      r.state === 'live' &&
      !r.warnedAt &&
      r.expiresAt.getTime() - now.getTime() <= WARN_BEFORE_EXPIRY_MS &&
      r.expiresAt > now,
  );
  for (const row of due) {
    await deps.store.transaction(async (tx) => {
      await markWarned(tx, row.name, now);
      await notifier.expiringSoon(tx, toDevenv(row));
    });
  }
  return Promise.resolve(due.map((r) => r.name));
}

/** Owner notices through the outbox: a DM that Slack refuses now still goes out later. */
export function outboxOwnerNotifier(outbox: Outbox): DevenvOwnerNotifier {
  const send = (tx: Tx, notice: Notice): Promise<void> => outbox.enqueue(tx, notice);
  return {
    expiringSoon: (tx, env) =>
      send(tx, {
        kind: 'devenv_expiring',
        owner: env.owner,
        env: env.name,
        expiresAt: env.expiresAt.toISOString(),
      }),
    expired: (tx, env) =>
      send(tx, {
        kind: 'devenv_expired',
        owner: env.owner,
        env: env.name,
        services: env.overrides.map((o) => o.service),
      }),
    creationInterrupted: (tx, env) =>
      send(tx, { kind: 'devenv_creation_interrupted', owner: env.owner, env: env.name }),
    unsafeTarget: (tx, env, host, reason) =>
      send(tx, { kind: 'devenv_unsafe_target', owner: env.owner, env: env.name, host, reason }),
  };
}
