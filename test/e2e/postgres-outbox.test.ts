import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countPending } from '../../src/db/outbox.js';
import { migratePostgres } from '../../src/db/postgres/migrate.js';
import { PostgresStore } from '../../src/db/postgres/store.js';
import { createLogger } from '../../src/logger.js';
import {
  OutboxRelay,
  type DeliveryFailure,
  type DeliverySteps,
  type NoticeDeliverer,
} from '../../src/outbox/relay.js';
import type { Notice } from '../../src/use-cases/ports.js';
import { startPostgres, type RunningPostgres } from '../support/postgres.js';

/** Records every delivery with the instance that made it; each takes a little while, so both overlap. */
class RecordingDeliverer implements NoticeDeliverer {
  constructor(
    private readonly instance: string,
    private readonly delivered: { instance: string; owner: string; env: string; id: number }[],
  ) {}

  async deliver(notice: Notice, steps: DeliverySteps): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 2));
    const { owner, env } = notice as { owner: string; env: string };
    this.delivered.push({ instance: this.instance, owner, env, id: steps.id });
    await steps.complete();
  }

  classify(): DeliveryFailure {
    return { kind: 'transient', reason: 'unexpected' };
  }

  deliveryFailed(): Promise<void> {
    return Promise.resolve();
  }
}

describe('the outbox relay on PostgreSQL: two instances at once (a real server)', () => {
  let server: RunningPostgres;
  const pools: pg.Pool[] = [];

  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    for (const pool of pools) await pool.end();
    await server?.stop();
  });

  it('delivers each of 200 notices exactly once, in order within each stream, while both relays pump', async () => {
    const stores = [0, 1].map(() => {
      const pool = new pg.Pool({ connectionString: server.url, max: 4 });
      pools.push(pool);
      return new PostgresStore(pool);
    });
    await migratePostgres(pools[0]!);
    const delivered: { instance: string; owner: string; env: string; id: number }[] = [];
    const relays = ['pod-a', 'pod-b'].map(
      (identity, i) =>
        new OutboxRelay(
          stores[i]!,
          () => new RecordingDeliverer(identity, delivered),
          createLogger('silent'),
          {
            identity,
            concurrency: 8,
          },
        ),
    );
    // 20 people, 10 notices each, queued through either instance.
    for (let n = 0; n < 10; n++) {
      for (let person = 0; person < 20; person++) {
        const store = stores[person % 2]!;
        const notice: Notice = { kind: 'devenv_expired', owner: `U${person}`, env: `e${n}`, services: [] };
        await store.transaction((tx) => relays[person % 2]!.enqueue(tx, notice));
      }
    }
    const deadline = Date.now() + 30_000;
    await Promise.all(relays.map((relay) => relay.drain(deadline)));
    await Promise.all(relays.map((relay) => relay.stop()));

    expect(await countPending(stores[0]!)).toBe(0);
    expect(delivered).toHaveLength(200);
    expect(new Set(delivered.map((d) => d.id)).size).toBe(200);
    for (let person = 0; person < 20; person++) {
      const order = delivered.filter((d) => d.owner === `U${person}`).map((d) => d.env);
      expect([person, order]).toEqual([person, Array.from({ length: 10 }, (_, n) => `e${n}`)]);
    }
    // Both took part: the claims, not a lucky schedule, kept them apart.
    expect(new Set(delivered.map((d) => d.instance))).toEqual(new Set(['pod-a', 'pod-b']));
    const states = await pools[0]!.query<{ state: string; n: string }>(
      'select state, count(*) as n from outbox group by state',
    );
    expect(states.rows).toEqual([{ state: 'delivered', n: '200' }]);
  }, 60_000);
});
