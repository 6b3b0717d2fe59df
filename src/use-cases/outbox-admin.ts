import type { Store } from '../db/database.js';
import {
  countFailed,
  countPending,
  listFailed,
  oldestPending,
  requeueFailed,
  type OutboxRow,
} from '../db/outbox.js';
import { appendAudit } from '../db/releases.js';
import type { Access, Actor, Clock } from './ports.js';

export interface OutboxAdminDeps {
  store: Store;
  clock: Clock;
  access: Access;
}

export interface OutboxOverview {
  pending: number;
  failed: number;
  /** Since when the oldest pending notice has waited. */
  oldestPendingSince: Date | undefined;
  /** The newest failed notices, each with why. */
  recentFailures: Pick<OutboxRow, 'id' | 'kind' | 'stream' | 'lastError' | 'settledAt'>[];
}

/** `/release outbox`: what is waiting to reach Slack or Jira, and what was given up on and why. */
export async function outboxOverview(deps: OutboxAdminDeps, actor: Actor): Promise<OutboxOverview> {
  await deps.access.requireReleaseManager(actor.userId, 'read the outbox');
  return {
    pending: await countPending(deps.store),
    failed: await countFailed(deps.store),
    oldestPendingSince: (await oldestPending(deps.store))?.createdAt,
    recentFailures: (await listFailed(deps.store, 10)).map(({ id, kind, stream, lastError, settledAt }) => ({
      id,
      kind,
      stream,
      lastError,
      settledAt,
    })),
  };
}

/**
 * `/release outbox retry`: every failed notice goes back in the queue (after a fix: a new token, the bot
 * invited to the channel), resuming after the steps it had carried out, so nothing is posted twice.
 */
export async function retryFailedNotices(deps: OutboxAdminDeps, actor: Actor): Promise<number> {
  await deps.access.requireReleaseManager(actor.userId, 'retry failed notices');
  const at = deps.clock.now();
  return deps.store.transaction(async (tx) => {
    const requeued = await requeueFailed(tx, at);
    if (requeued > 0) {
      await appendAudit(tx, {
        releaseId: null,
        actor: actor.userId,
        action: 'outbox_requeued',
        detail: `${requeued} failed notice${requeued === 1 ? '' : 's'} queued again`,
        commandText: actor.commandText,
        at,
      });
    }
    return requeued;
  });
}
