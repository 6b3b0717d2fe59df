import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, type TestStore } from '../../support/test-database.js';
import { appendAudit, insertRelease } from '../../../src/db/releases.js';
import { AUDIT_COUNT_CAP, auditPage } from '../../../src/use-cases/release-view.js';

describe('audit pages of a long trail', () => {
  let store: TestStore;
  const entries = AUDIT_COUNT_CAP + 55;

  beforeAll(async () => {
    store = await openTestStore();
    const at = new Date('2026-11-30T10:00:00Z');
    await store.store.transaction(async (tx) => {
      const release = await insertRelease(tx, {
        version: '2.4',
        freezeAt: null,
        shipAt: null,
        createdBy: 'U1',
        at,
      });
      for (let i = 1; i <= entries; i++)
        await appendAudit(tx, { releaseId: release.id, actor: 'U1', action: `entry_${i}`, at });
    });
  });
  afterAll(() => store.close());

  const actions = (page: Awaited<ReturnType<typeof auditPage>>) => page.rows.map((r) => r.action);

  it('counts no further than the cap on the first page, and says so', async () => {
    const first = await auditPage(store.store, '2.4', { page: 1 }, 20);
    expect(actions(first)[0]).toBe(`entry_${entries}`);
    expect(first).toMatchObject({
      older: AUDIT_COUNT_CAP + 1 - 20,
      olderAtLeast: true,
      totalPages: undefined,
    });
  });

  it('walks by cursor with the same rows as by number, at any depth', async () => {
    const byNumber = await auditPage(store.store, '2.4', { page: 3 }, 20);
    const second = await auditPage(
      store.store,
      '2.4',
      { before: (await auditPage(store.store, '2.4', { page: 1 }, 20)).rows.at(-1)!.id },
      20,
    );
    const third = await auditPage(store.store, '2.4', { before: second.rows.at(-1)!.id }, 20);
    expect(actions(third)).toEqual(actions(byNumber));
    expect(actions(third)[0]).toBe(`entry_${entries - 40}`);
  });

  it('gives a deep page by number exactly, counting then', async () => {
    const last = Math.ceil(entries / 20);
    const page = await auditPage(store.store, '2.4', { page: last }, 20);
    expect(actions(page)).toEqual([
      'entry_15',
      'entry_14',
      'entry_13',
      'entry_12',
      'entry_11',
      'entry_10',
      'entry_9',
      'entry_8',
      'entry_7',
      'entry_6',
      'entry_5',
      'entry_4',
      'entry_3',
      'entry_2',
      'entry_1',
    ]);
    expect(page).toMatchObject({ older: 0, olderAtLeast: false, totalPages: last });
  });

  it('shows the oldest page without counting', async () => {
    const oldest = await auditPage(store.store, '2.4', { oldest: true }, 20);
    expect(actions(oldest).at(-1)).toBe('entry_1');
    expect(actions(oldest)[0]).toBe('entry_20');
    expect(oldest.older).toBe(0);
  });

  it('counts exactly below the cap', async () => {
    const near = await auditPage(store.store, '2.4', { before: 101 }, 20);
    expect(near).toMatchObject({ older: 80, olderAtLeast: false });
  });
});
