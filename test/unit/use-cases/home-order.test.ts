import { describe, expect, it } from 'vitest';
import type { ReleaseRow } from '../../../src/db/releases.js';
import { orderForReader, type HomeRelease } from '../../../src/use-cases/home.js';

function item(
  version: string,
  state: ReleaseRow['state'],
  dates: { freezeAt?: string; shipAt?: string; createdAt: string },
  awaitsReader = false,
): HomeRelease {
  const release = {
    id: 1,
    version,
    state,
    freezeAt: dates.freezeAt ? new Date(dates.freezeAt) : null,
    shipAt: dates.shipAt ? new Date(dates.shipAt) : null,
    createdAt: new Date(dates.createdAt),
  } as ReleaseRow;
  return {
    view: { release, tally: undefined, liveDevenvs: 0 },
    lateChanges: [],
    mayVote: awaitsReader,
    awaitsReader,
    mayManage: false,
  };
}

describe('the Home tab’s order for one reader', () => {
  it('puts the vote they owe first, then frozen and signed-off, then planned, each by its nearest date', () => {
    const items = [
      item('3.1', 'planned', { freezeAt: '2027-02-01', createdAt: '2026-11-01' }),
      item('3.0', 'planned', { freezeAt: '2027-01-01', createdAt: '2026-11-02' }),
      item('3.2', 'planned', { createdAt: '2026-10-01' }),
      item('2.9', 'signed_off', { shipAt: '2026-12-20', createdAt: '2026-11-03' }),
      item('2.8', 'frozen', { shipAt: '2026-12-10', createdAt: '2026-11-04' }),
      item('2.4', 'frozen', { shipAt: '2026-12-30', createdAt: '2026-09-01' }, true),
      item('2.5', 'frozen', { shipAt: '2026-12-15', createdAt: '2026-09-02' }, true),
    ];
    expect(orderForReader(items).map((i) => i.view.release.version)).toEqual([
      '2.5',
      '2.4',
      '2.8',
      '2.9',
      '3.0',
      '3.1',
      '3.2',
    ]);
  });

  it('orders undated releases of a group by creation, oldest first', () => {
    const items = [
      item('b', 'planned', { createdAt: '2026-11-02' }),
      item('a', 'planned', { createdAt: '2026-11-01' }),
    ];
    expect(orderForReader(items).map((i) => i.view.release.version)).toEqual(['a', 'b']);
  });
});
