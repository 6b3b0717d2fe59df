import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../../src/db/database.js';
import { FencedOut, raiseFence, runFenced } from '../../../src/db/fencing.js';
import { installation } from '../../../src/db/schema.js';
import { eq } from 'drizzle-orm';

describe('the leadership fence on a real SQLite', () => {
  let store: OpenDatabase;
  const at = new Date('2026-12-01T09:00:00Z');
  beforeEach(async () => {
    store = openDatabase(':memory:');
    store.db.insert(installation).values({ id: 1, instanceId: 'rb-000000000001', createdAt: at }).run();
    await store.store.transaction((tx) => raiseFence(tx, 2, 'the-next-holder', at));
  });
  afterEach(() => store.close());

  const rename = (id: string) =>
    store.db.update(installation).set({ instanceId: id }).where(eq(installation.id, 1)).run();
  const current = () => store.db.select().from(installation).get()?.instanceId;

  it('refuses a lone write (no transaction) of work that runs under an older epoch', () => {
    expect(() => runFenced(1, () => rename('rb-from-epoch-1'))).toThrow(FencedOut);
    expect(current()).toBe('rb-000000000001');
  });

  it('refuses a transaction of such work before it writes anything', () => {
    expect(() =>
      runFenced(1, () =>
        store.db.transaction((tx) => {
          tx.update(installation).set({ instanceId: 'rb-from-epoch-1' }).run();
        }),
      ),
    ).toThrow(FencedOut);
    expect(current()).toBe('rb-000000000001');
  });

  it('refuses a unit of work of the store before it writes anything', async () => {
    let ran = false;
    await expect(
      runFenced(1, () =>
        store.store.transaction(async () => {
          ran = true;
          await Promise.resolve(store.db.update(installation).set({ instanceId: 'rb-from-epoch-1' }).run());
        }),
      ),
    ).rejects.toThrow(FencedOut);
    expect([ran, current()]).toEqual([false, 'rb-000000000001']);
  });

  it('lets the current epoch, unfenced work and reads through', async () => {
    expect(runFenced(1, () => current())).toBe('rb-000000000001');
    runFenced(2, () => rename('rb-from-epoch-2'));
    expect(current()).toBe('rb-from-epoch-2');
    rename('rb-unfenced');
    expect(current()).toBe('rb-unfenced');
    // A later holder never lowers the fence.
    expect(await store.store.transaction((tx) => raiseFence(tx, 1, 'late', at))).toBe(false);
  });
});
