import { eq, sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FencedOut, runFenced } from '../../src/db/fencing.js';
import { afterUnitOfWork } from '../../src/db/query.js';
import { tourFacts } from '../../src/db/playground.js';
import { migratePostgres } from '../../src/db/postgres/migrate.js';
import { releases, signoffRoles } from '../../src/db/postgres/schema.js';
import { PostgresStore, type PostgresTx } from '../../src/db/postgres/store.js';
import { startPostgres, type RunningPostgres } from '../support/postgres.js';

/** Resolves when `count` callers have arrived: both units read before either writes. */
function barrier(count: number): () => Promise<void> {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return () => {
    if (++arrived === count) open();
    return opened;
  };
}

describe('the PostgreSQL store: units of work at SERIALIZABLE (a real server)', () => {
  let server: RunningPostgres;
  let pool: pg.Pool;
  let store: PostgresStore;

  const roleNames = async () =>
    (await pool.query<{ name: string }>('select name from signoff_roles order by name')).rows.map(
      (r) => r.name,
    );
  const addRole = (tx: PostgresTx, name: string) =>
    tx.pg.insert(signoffRoles).values({ name, members: ['UQA00001'], quorum: 1, updatedBy: 'test' });
  /** A read-modify-write of the release's revision that waits, between its read and its write, for `gate`. */
  async function readThenBump(tx: PostgresTx, gate: () => Promise<void>): Promise<void> {
    const [row] = await tx.pg
      .select({ revision: releases.revision })
      .from(releases)
      .where(eq(releases.id, 1));
    await gate();
    await tx.pg
      .update(releases)
      .set({ revision: row!.revision + 1 })
      .where(eq(releases.id, 1));
  }
  const revision = async () =>
    (await pool.query<{ revision: number }>('select revision from releases where id = 1')).rows[0]!.revision;

  beforeAll(async () => {
    server = await startPostgres();
    pool = new pg.Pool({ connectionString: server.url, max: 6 });
    await migratePostgres(pool);
  }, 60_000);
  afterAll(async () => {
    await pool?.end();
    await server?.stop();
  });
  beforeEach(async () => {
    await pool.query('truncate signoff_roles, leadership, releases restart identity cascade');
    await pool.query(
      "insert into releases (version, version_key, state, created_by) values ('2.4', '0002.0004', 'frozen', 'U1')",
    );
    store = new PostgresStore(pool);
  });

  it('commits a unit of work whole, and rolls all of it back when it rejects', async () => {
    await store.transaction(async (tx) => {
      await addRole(tx, 'qa');
      await addRole(tx, 'product');
    });
    await expect(
      store.transaction(async (tx) => {
        await addRole(tx, 'security');
        throw new Error('refused halfway');
      }),
    ).rejects.toThrow('refused halfway');
    expect(await roleNames()).toEqual(['product', 'qa']);
  });

  it('runs what a unit of work asks for after its commit, seeing its writes, and never after a rollback', async () => {
    const seen: string[][] = [];
    const afterCommit = () => void roleNames().then((names) => seen.push(names));
    await store.transaction(async (tx) => {
      await addRole(tx, 'qa');
      afterUnitOfWork(afterCommit);
      // The commit is a round trip away: a callback run now (or on the next turn) would see no role.
      await tx.pg.execute(sql`select pg_sleep(0.1)`);
    });
    await expect(
      store.transaction(async (tx) => {
        await addRole(tx, 'security');
        afterUnitOfWork(afterCommit);
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen).toEqual([['qa']]);
  });

  it('loses no update when two units read and bump the same row at once: the one that conflicts runs again', async () => {
    const bothRead = barrier(2);
    let attempts = 0;
    const bump = () =>
      store.transaction(async (tx) => {
        attempts++;
        await readThenBump(tx, bothRead);
      });
    // The barrier only holds the first attempts: a retry reads again and goes straight on.
    await Promise.all([bump(), bump()]);
    expect(await revision()).toBe(3);
    expect(attempts).toBe(3);
  });

  it('passes the serialization failure on after its attempts are used up, with nothing written', async () => {
    const once = new PostgresStore(pool, { maxAttempts: 1 });
    const bothRead = barrier(2);
    const bump = () => once.transaction((tx) => readThenBump(tx, bothRead));
    const outcomes = await Promise.allSettled([bump(), bump()]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const failure = outcomes.find((o) => o.status === 'rejected')!;
    expect(JSON.stringify((failure.reason as { cause?: unknown }).cause ?? failure.reason)).toContain(
      '40001',
    );
    expect(await revision()).toBe(2);
  });

  it('refuses a unit of work of an older leadership epoch before it writes, and lets the current one and unfenced work through', async () => {
    await pool.query("insert into leadership (id, epoch, holder, since) values (1, 2, 'pod-b', now())");
    let ran = false;
    await expect(
      runFenced(1, () =>
        store.transaction(async (tx) => {
          ran = true;
          await addRole(tx, 'stale');
        }),
      ),
    ).rejects.toThrow(FencedOut);
    await runFenced(2, () => store.transaction((tx) => addRole(tx, 'current')));
    await store.transaction((tx) => addRole(tx, 'unfenced'));
    expect([ran, await roleNames()]).toEqual([false, ['current', 'unfenced']]);
  });

  it('makes a new holder’s raise of the fence wait for the fenced unit in flight; units after it are refused', async () => {
    await pool.query("insert into leadership (id, epoch, holder, since) values (1, 2, 'pod-a', now())");
    let finish!: () => void;
    const held = new Promise<void>((resolve) => (finish = resolve));
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    const fencedUnit = runFenced(2, () =>
      store.transaction(async (tx) => {
        await addRole(tx, 'in-flight');
        started();
        await held;
      }),
    );
    await inFlight;
    const raise = pool.query("update leadership set epoch = 3, holder = 'pod-b' where id = 1");
    const raiseWaits = async () =>
      Number(
        (
          await pool.query<{ n: string }>(
            "select count(*) as n from pg_locks where locktype = 'transactionid' and not granted",
          )
        ).rows[0]!.n,
      );
    for (let tries = 0; (await raiseWaits()) === 0; tries++) {
      if (tries > 200) throw new Error('the raise never waited');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    finish();
    await fencedUnit;
    await raise;
    await expect(
      runFenced(2, () => store.transaction((tx) => addRole(tx, 'after-the-raise'))),
    ).rejects.toThrow(FencedOut);
    expect(await roleNames()).toEqual(['in-flight']);
  });

  it('lets reads and a nested unit inside a unit of work join it', async () => {
    const seen = await store.transaction(async (tx) => {
      await addRole(tx, 'qa');
      await store.transaction((inner) => addRole(inner, 'product'));
      return store.read(
        async (db) => (await db.pg.select({ n: sql<number>`count(*)::int` }).from(signoffRoles))[0]!.n,
      );
    });
    expect(seen).toBe(2);
  });

  it('refuses by name a function of src/db that has no PostgreSQL form (the playground’s), instead of running SQLite statements', async () => {
    await expect(tourFacts(store)).rejects.toThrow('this query has no PostgreSQL form yet (issue 24)');
    await expect(store.transaction((tx) => tourFacts(tx))).rejects.toThrow('has no PostgreSQL form yet');
  });
});
