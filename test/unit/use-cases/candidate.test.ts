import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestStore, type TestStore } from '../../support/test-database.js';
import { listCandidate } from '../../../src/db/candidate.js';
import { findRelease, insertRelease, updateRelease } from '../../../src/db/releases.js';
import { upsertRole } from '../../../src/db/roles.js';
import type { CandidateWorkload } from '../../../src/domain/candidate.js';
import { createLogger } from '../../../src/logger.js';
import { OutboxRelay } from '../../../src/outbox/relay.js';
import {
  loadCandidateDiff,
  observeFullList,
  observeRemoval,
  observeWorkload,
  type WatchDeps,
} from '../../../src/use-cases/candidate.js';
import { freezeSpec, transitionRelease } from '../../../src/use-cases/release-lifecycle.js';
import { whatShippedOf } from '../../../src/use-cases/release-notes.js';
import { admitImages } from '../../../src/db/candidate.js';

const at = new Date('2026-11-30T10:00:00Z');
const clock = { now: () => at };

function workload(name: string, image: string, more: Partial<CandidateWorkload> = {}): CandidateWorkload {
  return {
    namespace: 'preprod',
    kind: 'Deployment',
    name,
    service: name,
    containers: [{ container: 'app', image, init: false }],
    generation: 1,
    ...more,
  };
}

describe('the candidate kept in step with the cluster', () => {
  let store: TestStore;
  let deps: WatchDeps;

  const notices = async () => (await store.rows('select kind from outbox order by id')).map((r) => r.kind);
  const release = async (version = '2.4') => (await findRelease(store.store, version))!;
  const frozenWith = (version: string, workloads: CandidateWorkload[]) =>
    transitionRelease(
      deps,
      { userId: 'UMANAGER1' },
      version,
      freezeSpec({ userId: 'UMANAGER1' }, undefined, { workloads }),
    );

  beforeEach(async () => {
    store = await openTestStore();
    const relay = new OutboxRelay(store.store, () => ({}) as never, createLogger('silent'), {
      mayRun: () => false,
    });
    deps = { store: store.store, clock, outbox: relay, logger: createLogger('silent') };
    await store.store.transaction(async (tx) => {
      await upsertRole(tx, { name: 'qa', members: ['UQA00001'], quorum: 1 }, 'test', at);
      await insertRelease(tx, { version: '2.4', freezeAt: null, shipAt: null, createdBy: 'U1', at });
    });
    await frozenWith('2.4', [workload('blog', 'reg/blog:1'), workload('tag', 'reg/tag:1')]);
  });
  afterEach(() => store.close());

  it('stores what the freeze read as the bill of materials of the frozen revision', async () => {
    expect((await listCandidate(store.store, (await release()).id, 1)).map((w) => w.name)).toEqual([
      'blog',
      'tag',
    ]);
  });

  it('reports an unapproved change once, bumps the revision and carries the candidate over', async () => {
    const seen = { ...workload('blog', 'reg/blog:6'), manager: 'kubectl-set' };
    await observeWorkload(deps, seen);
    expect((await release()).revision).toBe(2);
    expect(await notices()).toEqual(['release_frozen', 'revision_bumped', 'candidate_drifted']);
    expect(
      (await listCandidate(store.store, (await release()).id, 2)).map((w) => w.containers[0]!.image),
    ).toEqual(['reg/blog:6', 'reg/tag:1']);
    expect((await listCandidate(store.store, (await release()).id, 1))[0]!.containers[0]!.image).toBe(
      'reg/blog:1',
    );
    // The same state seen again (a relist, a restart, a duplicate event): nothing new.
    await observeWorkload(deps, seen);
    await observeFullList(deps, [seen, { ...workload('tag', 'reg/tag:1'), manager: undefined }]);
    expect(await notices()).toHaveLength(3);
    expect((await release()).revision).toBe(2);
  });

  it('takes an admitted image quietly: the candidate moves, nobody is alarmed, the revision stays', async () => {
    await store.store.transaction(async (tx) =>
      admitImages(tx, {
        releaseId: (await release()).id,
        service: 'blog',
        images: ['reg/blog:2'],
        source: 'gate',
        actor: 'gate',
        reason: null,
        at,
      }),
    );
    await observeWorkload(deps, { ...workload('blog', 'reg/blog:2'), manager: 'ci' });
    expect(await notices()).toEqual(['release_frozen']);
    expect((await release()).revision).toBe(1);
    expect((await listCandidate(store.store, (await release()).id, 1))[0]!.containers[0]!.image).toBe(
      'reg/blog:2',
    );
  });

  it('ignores a change of replicas or metadata, which keeps the images', async () => {
    await observeWorkload(deps, {
      ...workload('blog', 'reg/blog:1', { generation: 9 }),
      manager: 'kubectl-scale',
    });
    expect(await notices()).toEqual(['release_frozen']);
  });

  it('reports a workload that a full list no longer finds, once, and one deleted under the watch', async () => {
    await observeFullList(deps, [{ ...workload('blog', 'reg/blog:1'), manager: undefined }]);
    await observeFullList(deps, [{ ...workload('blog', 'reg/blog:1'), manager: undefined }]);
    expect((await notices()).filter((k) => k === 'candidate_drifted')).toHaveLength(1);
    expect(
      (await listCandidate(store.store, (await release()).id, (await release()).revision)).map((w) => w.name),
    ).toEqual(['blog']);
    await observeRemoval(deps, { namespace: 'preprod', kind: 'Deployment', name: 'blog' });
    await observeRemoval(deps, { namespace: 'preprod', kind: 'Deployment', name: 'blog' });
    expect((await notices()).filter((k) => k === 'candidate_drifted')).toHaveLength(2);
    expect(await listCandidate(store.store, (await release()).id, (await release()).revision)).toEqual([]);
  });

  it('takes the first full list as the candidate when the freeze could not read the cluster', async () => {
    await store.store.transaction(async (tx) =>
      insertRelease(tx, { version: '2.5', freezeAt: null, shipAt: null, createdBy: 'U1', at }),
    );
    await transitionRelease(
      deps,
      { userId: 'U1' },
      '2.5',
      freezeSpec({ userId: 'U1' }, undefined, { problem: 'the cluster did not answer' }),
    );
    expect(await listCandidate(store.store, (await release('2.5')).id, 1)).toEqual([]);
    await observeFullList(deps, [{ ...workload('blog', 'reg/blog:1'), manager: undefined }]);
    expect((await listCandidate(store.store, (await release('2.5')).id, 1)).map((w) => w.name)).toEqual([
      'blog',
    ]);
    expect((await notices()).filter((k) => k === 'candidate_drifted')).toHaveLength(1); // 2.4's tag went missing
  });

  it('diffs two revisions and says what shipped since the release shipped before', async () => {
    await observeWorkload(deps, { ...workload('blog', 'reg/blog:6'), manager: 'helm' });
    const { diff } = await loadCandidateDiff(store.store, '2.4@1', '2.4@2');
    expect(diff.changed.map((c) => c.name)).toEqual(['blog']);
    expect(diff.added).toEqual([]);
    const shippedBefore = await release();
    await store.store.transaction(async (tx) =>
      updateRelease(tx, shippedBefore, { state: 'released', updatedAt: at }),
    );
    await store.store.transaction(async (tx) =>
      insertRelease(tx, { version: '2.5', freezeAt: null, shipAt: null, createdBy: 'U1', at }),
    );
    await frozenWith('2.5', [workload('blog', 'reg/blog:7'), workload('new', 'reg/new:1')]);
    const shipped = (await whatShippedOf(store.store, await release('2.5')))!;
    expect(shipped.since?.version).toBe('2.4');
    expect(shipped.since?.diff.added.map((w) => w.name)).toEqual(['new']);
    expect(shipped.since?.diff.removed.map((w) => w.name)).toEqual(['tag']);
    expect(shipped.since?.diff.changed[0]!.changes).toEqual([
      { container: 'app', init: false, from: 'reg/blog:6', to: 'reg/blog:7' },
    ]);
  });

  it('refuses a revision that has no candidate, saying which exist', async () => {
    await expect(loadCandidateDiff(store.store, '2.4@1', '2.4@7')).rejects.toThrow(
      'has no candidate revision 7; it has 1',
    );
    await expect(loadCandidateDiff(store.store, '2.4@x', '2.4')).rejects.toThrow('is not a release');
  });
});
