import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertRole } from '../../src/db/roles.js';
import { migratePostgres } from '../../src/db/postgres/migrate.js';
import { PostgresStore } from '../../src/db/postgres/store.js';
import { createLogger } from '../../src/logger.js';
import { OutboxRelay } from '../../src/outbox/relay.js';
import { AccessControl } from '../../src/use-cases/access.js';
import type { LifecycleDeps } from '../../src/use-cases/ports.js';
import { createRelease, freezeSpec, transitionRelease } from '../../src/use-cases/release-lifecycle.js';
import { recordVote } from '../../src/use-cases/signoff.js';
import { startPostgres, type RunningPostgres } from '../support/postgres.js';

const VOTERS = Array.from({ length: 50 }, (_, i) => `UQA${String(i).padStart(5, '0')}`);
const MANAGER = 'UMANAGER1';

describe('the release use cases on PostgreSQL: two instances on one database (a real server)', () => {
  let server: RunningPostgres;
  const pools: pg.Pool[] = [];
  let instances: LifecycleDeps[];

  beforeAll(async () => {
    server = await startPostgres();
    const logger = createLogger('silent');
    const access = new AccessControl(
      { everyone: false, ids: [MANAGER] },
      { membersOf: () => Promise.resolve([]) },
    );
    instances = ['pod-a', 'pod-b'].map((identity) => {
      const pool = new pg.Pool({ connectionString: server.url, max: 8 });
      pools.push(pool);
      const store = new PostgresStore(pool);
      return {
        store,
        clock: { now: () => new Date() },
        access,
        // Nothing is delivered here: the notices are counted where they wait.
        outbox: new OutboxRelay(store, () => ({}) as never, logger, { identity, mayRun: () => false }),
        calendar: { zone: 'UTC', defaultTime: { hour: 9, minute: 0 } },
        logger,
      };
    });
    await migratePostgres(pools[0]!);
  }, 60_000);
  afterAll(async () => {
    for (const pool of pools) await pool.end();
    await server?.stop();
  });

  const count = async (sql: string) => Number((await pools[0]!.query<{ n: string }>(sql)).rows[0]!.n);

  it('stores a storm of 50 approvals spread over both instances once each, and signs off once', async () => {
    const [a, b] = instances as [LifecycleDeps, LifecycleDeps];
    await a.store.transaction((tx) =>
      upsertRole(tx, { name: 'qa', members: VOTERS, quorum: VOTERS.length }, 'test', new Date()),
    );
    await createRelease(a, { userId: MANAGER }, { version: '2.4' });
    const frozen = await transitionRelease(
      b,
      { userId: MANAGER },
      '2.4',
      freezeSpec({ userId: MANAGER }, 'rc1'),
    );
    expect(frozen.state).toBe('frozen');

    const outcomes = await Promise.allSettled(
      VOTERS.map((voter, i) =>
        recordVote(
          i % 2 ? a : b,
          { userId: voter },
          {
            releaseId: frozen.id,
            revision: frozen.revision,
            decision: 'approve',
          },
        ),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    // Each voter's second press changes nothing, on either instance.
    const again = await recordVote(
      a,
      { userId: VOTERS[0]! },
      {
        releaseId: frozen.id,
        revision: frozen.revision,
        decision: 'approve',
      },
    );
    expect(again.changed).toBe(false);

    expect(await count('select count(*) as n from votes')).toBe(50);
    expect(await count("select count(*) as n from audit_events where action = 'vote_approved'")).toBe(50);
    expect(await count("select count(*) as n from outbox where kind = 'vote_recorded'")).toBe(50);
    expect(await count("select count(*) as n from outbox where kind = 'release_signed_off'")).toBe(1);
    expect(await count("select count(*) as n from releases where state = 'signed_off'")).toBe(1);
  }, 60_000);

  it('lets one of two managers racing to freeze the same release win, and tells the other', async () => {
    const [a, b] = instances as [LifecycleDeps, LifecycleDeps];
    await createRelease(a, { userId: MANAGER }, { version: '2.5' });
    const outcomes = await Promise.allSettled(
      [a, b].map((deps) =>
        transitionRelease(deps, { userId: MANAGER }, '2.5', freezeSpec({ userId: MANAGER }, undefined)),
      ),
    );
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(
      await count(
        "select count(*) as n from audit_events where action = 'release_frozen' and release_id = (select id from releases where version = '2.5')",
      ),
    ).toBe(1);
  }, 60_000);
});
