import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestStore, type TestStore } from '../../support/test-database.js';
import { insertRelease, updateRelease } from '../../../src/db/releases.js';
import { createLogger } from '../../../src/logger.js';
import { GateWarmth, type GateWarmer } from '../../../src/use-cases/gate-warmth.js';

describe('the gate kept warm during a freeze', () => {
  let store: TestStore;
  let now = 0;
  let leader = true;
  const reads: string[] = [];
  let failNext = false;
  const warmer: GateWarmer = {
    warmIssues: (version) => {
      reads.push(version);
      if (failNext) {
        failNext = false;
        return Promise.reject(new Error('Jira answered 503'));
      }
      return Promise.resolve(7);
    },
  };
  const warmth = () =>
    new GateWarmth(
      store.store,
      warmer,
      { cacheSeconds: 30, mayRun: () => leader, tickMs: 1000 },
      createLogger('silent'),
      () => now,
    );

  beforeEach(async () => {
    store = await openTestStore();
    reads.length = 0;
    now = 0;
    leader = true;
    const at = new Date('2026-11-30T10:00:00Z');
    await store.store.transaction(async (tx) => {
      const frozen = await insertRelease(tx, {
        version: '2.4',
        freezeAt: null,
        shipAt: null,
        createdBy: 'U1',
        at,
      });
      await updateRelease(tx, frozen, { state: 'frozen', updatedAt: at });
      await insertRelease(tx, { version: '2.5', freezeAt: null, shipAt: null, createdBy: 'U1', at });
    });
  });
  afterEach(() => store.close());

  it('reads each frozen release once, then again before the cached entries expire', async () => {
    const w = warmth();
    await w.pass();
    expect(reads).toEqual(['2.4']);
    now = 17_000;
    await w.pass();
    expect(reads).toEqual(['2.4']);
    now = 18_000; // 60 % of the 30 s lifetime
    await w.pass();
    expect(reads).toEqual(['2.4', '2.4']);
    expect(w.stats).toEqual({ reads: 2, failures: 0, tickets: 7 });
  });

  it('retries a failed read on the next pass, and does nothing on a standby', async () => {
    const w = warmth();
    failNext = true;
    await w.pass();
    await w.pass();
    expect(reads).toEqual(['2.4', '2.4']);
    expect(w.stats.failures).toBe(1);
    leader = false;
    now = 60_000;
    await w.pass();
    expect(reads).toHaveLength(2);
  });
});
