import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../../src/db/database.js';
import { afterUnitOfWork } from '../../../src/db/query.js';
import { countRoles, listRoles, upsertRole } from '../../../src/db/roles.js';

const at = new Date('2026-12-01T10:00:00Z');
const role = (name: string) => ({ name, members: ['UQA00001'], quorum: 1 });
const names = async (store: OpenDatabase) => (await listRoles(store.store)).map((r) => r.name);

describe('the SQLite store: units of work on one connection', () => {
  let store: OpenDatabase;
  beforeEach(() => {
    store = openDatabase(':memory:');
  });
  afterEach(() => store.close());

  it('commits a unit of work whole when it resolves', async () => {
    await store.store.transaction(async (tx) => {
      await upsertRole(tx, role('qa'), 'test', at);
      await upsertRole(tx, role('product'), 'test', at);
    });
    expect(await names(store)).toEqual(['product', 'qa']);
  });

  it('runs what a unit of work asks for after its commit, and never after a rollback', async () => {
    const order: string[] = [];
    const asked = (what: string) => () => order.push(what);
    await store.store.transaction(async (tx) => {
      await upsertRole(tx, role('qa'), 'test', at);
      afterUnitOfWork(asked('after the committed unit'));
      await new Promise((resolve) => setTimeout(resolve, 20));
    });
    order.push('committed');
    await expect(
      store.store.transaction(async () => {
        afterUnitOfWork(asked('after the rolled-back unit'));
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    afterUnitOfWork(asked('outside any unit'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order).toEqual(['committed', 'after the committed unit', 'outside any unit']);
  });

  it('rolls back everything a unit of work wrote when it rejects, and passes the error on', async () => {
    await expect(
      store.store.transaction(async (tx) => {
        await upsertRole(tx, role('qa'), 'test', at);
        throw new Error('refused halfway');
      }),
    ).rejects.toThrow('refused halfway');
    expect(await names(store)).toEqual([]);
  });

  it('keeps a read outside the unit of work from seeing its writes before the commit', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let wrote!: () => void;
    const written = new Promise<void>((resolve) => (wrote = resolve));
    const unit = store.store.transaction(async (tx) => {
      await upsertRole(tx, role('qa'), 'test', at);
      wrote();
      await held; // the unit awaits between statements, as any unit of work may
      throw new Error('rolled back after all');
    });
    await written;
    const seen = names(store);
    release();
    await expect(unit).rejects.toThrow('rolled back after all');
    // The read waited its turn: it never saw the role the unit wrote and then took back.
    expect(await seen).toEqual([]);
  });

  it('does not let another unit of work run its statements inside an open one', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const order: string[] = [];
    const first = store.store.transaction(async (tx) => {
      await upsertRole(tx, role('first'), 'test', at);
      await held;
      order.push('first commits');
      throw new Error('the first rolls back');
    });
    const second = store.store.transaction(async (tx) => {
      order.push('second starts');
      await upsertRole(tx, role('second'), 'test', at);
    });
    release();
    await expect(first).rejects.toThrow('the first rolls back');
    await second;
    expect(order).toEqual(['first commits', 'second starts']);
    // Had the second run inside the first, the rollback would have taken its role too.
    expect(await names(store)).toEqual(['second']);
  });

  it('lets reads and a nested unit of work inside a unit of work join it instead of waiting for ever', async () => {
    const counted = await store.store.transaction(async (tx) => {
      await upsertRole(tx, role('qa'), 'test', at);
      const nested = await store.store.transaction(async (inner) => {
        await upsertRole(inner, role('product'), 'test', at);
        return countRoles(inner);
      });
      return [nested, await countRoles(store.store)];
    });
    expect(counted).toEqual([2, 2]);
  });

  it.each([
    ['commits', () => Promise.resolve()],
    ['rolls back', () => Promise.reject(new Error('the outer unit rolls back'))],
  ])(
    'takes work started inside a unit of work that %s, but run after it ended, as a unit of its own',
    async (_outcome, end) => {
      let later!: Promise<unknown>;
      await store.store
        .transaction(async (tx) => {
          await upsertRole(tx, role('qa'), 'test', at);
          later = new Promise((resolve) => setTimeout(resolve, 10)).then(() =>
            store.store.transaction(async (late) => {
              await upsertRole(late, role('late'), 'test', at);
              throw new Error('the late unit rolls back');
            }),
          );
          await end();
        })
        .catch(() => undefined);
      await expect(later).rejects.toThrow('the late unit rolls back');
      // Had it joined the unit that was already over, its write would have stayed without a transaction.
      expect(await names(store)).not.toContain('late');
    },
  );
});
