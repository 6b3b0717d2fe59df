import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestStore, type TestStore } from '../../support/test-database.js';
import { insertOutboxRow, markDelivered, markFailed } from '../../../src/db/outbox.js';
import { insertRelease, updateRelease } from '../../../src/db/releases.js';
import { claimRun } from '../../../src/db/schedule.js';
import { pruneHistory } from '../../../src/use-cases/retention.js';

const DAY = 24 * 3600_000;
const now = new Date('2026-11-30T12:00:00Z');
const daysAgo = (days: number) => new Date(now.getTime() - days * DAY);

describe('retention of settled history', () => {
  let store: TestStore;
  beforeEach(async () => {
    store = await openTestStore();
  });
  afterEach(() => store.close());

  async function outboxRow(state: 'delivered' | 'failed' | 'pending', settled: Date) {
    await store.store.transaction(async (tx) =>
      insertOutboxRow(tx, {
        stream: 'release:1',
        kind: 'vote_recorded',
        payload: {},
        replyTo: null,
        at: settled,
      }),
    );
    const id = (await store.rows('select max(id) id from outbox'))[0]!.id as number;
    if (state === 'delivered') await markDelivered(store.store, id, settled);
    if (state === 'failed') await markFailed(store.store, id, settled, 'slack:is_archived');
  }

  it('prunes delivered outbox rows past the retention, in batches, and keeps failed and pending ones', async () => {
    for (let i = 0; i < 25; i++) await outboxRow('delivered', daysAgo(31));
    await outboxRow('delivered', daysAgo(29));
    await outboxRow('failed', daysAgo(90));
    await outboxRow('pending', daysAgo(90));
    const outcome = await pruneHistory(store.store, now, { retentionMs: 30 * DAY, batchSize: 10 });
    expect(outcome).toMatchObject({ outboxRows: 25, scheduleRuns: 0 });
    // 10 + 10 + 5 rows, then one schedule-run batch that finds nothing.
    expect(outcome.batches).toBe(4);
    expect((await store.rows('select state from outbox order by state')).map((r) => r.state)).toEqual([
      'delivered',
      'failed',
      'pending',
    ]);
  });

  it('prunes the runs of shipped and cancelled releases only: an open release keeps the keys that make its actions happen once', async () => {
    const [open, shipped] = await store.store.transaction(async (tx) => [
      await insertRelease(tx, {
        version: '2.5',
        freezeAt: null,
        shipAt: null,
        createdBy: 'U1',
        at: daysAgo(100),
      }),
      await insertRelease(tx, {
        version: '2.4',
        freezeAt: null,
        shipAt: null,
        createdBy: 'U1',
        at: daysAgo(100),
      }),
    ]);
    await store.store.transaction(async (tx) => {
      await updateRelease(tx, shipped, { state: 'released', updatedAt: daysAgo(60) });
      for (const [release, key, ranAt] of [
        [open, 'freeze:2.5', daysAgo(60)],
        [shipped, 'freeze:2.4', daysAgo(60)],
        [shipped, 'ship_reminder:2.4', daysAgo(10)],
      ] as const)
        await claimRun(tx, {
          key,
          releaseId: release.id,
          kind: 'freeze',
          dueAt: ranAt,
          ranAt,
          outcome: 'frozen',
        });
    });
    const outcome = await pruneHistory(store.store, now, { retentionMs: 30 * DAY, batchSize: 10 });
    expect(outcome.scheduleRuns).toBe(1);
    expect((await store.rows('select key from schedule_runs order by key')).map((r) => r.key)).toEqual([
      'freeze:2.5',
      'ship_reminder:2.4',
    ]);
  });
});
