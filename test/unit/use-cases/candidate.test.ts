import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../../src/db/database.js';
import { listCandidate } from '../../../src/db/candidate.js';
import { findRelease, insertRelease, updateRelease } from '../../../src/db/releases.js';
import { upsertRole } from '../../../src/db/roles.js';
import { outbox } from '../../../src/db/schema.js';
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
  let store: OpenDatabase;
  let deps: WatchDeps;

  const notices = () =>
    store.db
      .select()
      .from(outbox)
      .all()
      .map((r) => r.kind);
  const release = (version = '2.4') => findRelease(store.db, version)!;
  const frozenWith = (version: string, workloads: CandidateWorkload[]) =>
    transitionRelease(
      deps,
      { userId: 'UMANAGER1' },
      version,
      freezeSpec({ userId: 'UMANAGER1' }, undefined, { workloads }),
    );

  beforeEach(() => {
    store = openDatabase(':memory:');
    const relay = new OutboxRelay(store.db, () => ({}) as never, createLogger('silent'), {
      mayRun: () => false,
    });
    deps = { db: store.db, clock, outbox: relay, logger: createLogger('silent') };
    store.db.transaction((tx) => {
      upsertRole(tx, { name: 'qa', members: ['UQA00001'], quorum: 1 }, 'test', at);
      insertRelease(tx, { version: '2.4', freezeAt: null, shipAt: null, createdBy: 'U1', at });
    });
    frozenWith('2.4', [workload('blog', 'reg/blog:1'), workload('tag', 'reg/tag:1')]);
  });
  afterEach(() => store.close());

  it('stores what the freeze read as the bill of materials of the frozen revision', () => {
    expect(listCandidate(store.db, release().id, 1).map((w) => w.name)).toEqual(['blog', 'tag']);
  });

  it('reports an unapproved change once, bumps the revision and carries the candidate over', () => {
    const seen = { ...workload('blog', 'reg/blog:6'), manager: 'kubectl-set' };
    observeWorkload(deps, seen);
    expect(release().revision).toBe(2);
    expect(notices()).toEqual(['release_frozen', 'revision_bumped', 'candidate_drifted']);
    expect(listCandidate(store.db, release().id, 2).map((w) => w.containers[0]!.image)).toEqual([
      'reg/blog:6',
      'reg/tag:1',
    ]);
    expect(listCandidate(store.db, release().id, 1)[0]!.containers[0]!.image).toBe('reg/blog:1');
    // The same state seen again (a relist, a restart, a duplicate event): nothing new.
    observeWorkload(deps, seen);
    observeFullList(deps, [seen, { ...workload('tag', 'reg/tag:1'), manager: undefined }]);
    expect(notices()).toHaveLength(3);
    expect(release().revision).toBe(2);
  });

  it('takes an admitted image quietly: the candidate moves, nobody is alarmed, the revision stays', () => {
    store.db.transaction((tx) =>
      admitImages(tx, {
        releaseId: release().id,
        service: 'blog',
        images: ['reg/blog:2'],
        source: 'gate',
        actor: 'gate',
        reason: null,
        at,
      }),
    );
    observeWorkload(deps, { ...workload('blog', 'reg/blog:2'), manager: 'ci' });
    expect(notices()).toEqual(['release_frozen']);
    expect(release().revision).toBe(1);
    expect(listCandidate(store.db, release().id, 1)[0]!.containers[0]!.image).toBe('reg/blog:2');
  });

  it('ignores a change of replicas or metadata, which keeps the images', () => {
    observeWorkload(deps, { ...workload('blog', 'reg/blog:1', { generation: 9 }), manager: 'kubectl-scale' });
    expect(notices()).toEqual(['release_frozen']);
  });

  it('reports a workload that a full list no longer finds, once, and one deleted under the watch', () => {
    observeFullList(deps, [{ ...workload('blog', 'reg/blog:1'), manager: undefined }]);
    observeFullList(deps, [{ ...workload('blog', 'reg/blog:1'), manager: undefined }]);
    expect(notices().filter((k) => k === 'candidate_drifted')).toHaveLength(1);
    expect(listCandidate(store.db, release().id, release().revision).map((w) => w.name)).toEqual(['blog']);
    observeRemoval(deps, { namespace: 'preprod', kind: 'Deployment', name: 'blog' });
    observeRemoval(deps, { namespace: 'preprod', kind: 'Deployment', name: 'blog' });
    expect(notices().filter((k) => k === 'candidate_drifted')).toHaveLength(2);
    expect(listCandidate(store.db, release().id, release().revision)).toEqual([]);
  });

  it('takes the first full list as the candidate when the freeze could not read the cluster', () => {
    store.db.transaction((tx) =>
      insertRelease(tx, { version: '2.5', freezeAt: null, shipAt: null, createdBy: 'U1', at }),
    );
    transitionRelease(
      deps,
      { userId: 'U1' },
      '2.5',
      freezeSpec({ userId: 'U1' }, undefined, { problem: 'the cluster did not answer' }),
    );
    expect(listCandidate(store.db, release('2.5').id, 1)).toEqual([]);
    observeFullList(deps, [{ ...workload('blog', 'reg/blog:1'), manager: undefined }]);
    expect(listCandidate(store.db, release('2.5').id, 1).map((w) => w.name)).toEqual(['blog']);
    expect(notices().filter((k) => k === 'candidate_drifted')).toHaveLength(1); // 2.4's tag went missing
  });

  it('diffs two revisions and says what shipped since the release shipped before', () => {
    observeWorkload(deps, { ...workload('blog', 'reg/blog:6'), manager: 'helm' });
    const { diff } = loadCandidateDiff(store.db, '2.4@1', '2.4@2');
    expect(diff.changed.map((c) => c.name)).toEqual(['blog']);
    expect(diff.added).toEqual([]);
    store.db.transaction((tx) => updateRelease(tx, release(), { state: 'released', updatedAt: at }));
    store.db.transaction((tx) =>
      insertRelease(tx, { version: '2.5', freezeAt: null, shipAt: null, createdBy: 'U1', at }),
    );
    frozenWith('2.5', [workload('blog', 'reg/blog:7'), workload('new', 'reg/new:1')]);
    const shipped = whatShippedOf(store.db, release('2.5'))!;
    expect(shipped.since?.version).toBe('2.4');
    expect(shipped.since?.diff.added.map((w) => w.name)).toEqual(['new']);
    expect(shipped.since?.diff.removed.map((w) => w.name)).toEqual(['tag']);
    expect(shipped.since?.diff.changed[0]!.changes).toEqual([
      { container: 'app', init: false, from: 'reg/blog:6', to: 'reg/blog:7' },
    ]);
  });

  it('refuses a revision that has no candidate, saying which exist', () => {
    expect(() => loadCandidateDiff(store.db, '2.4@1', '2.4@7')).toThrow(
      'has no candidate revision 7; it has 1',
    );
    expect(() => loadCandidateDiff(store.db, '2.4@x', '2.4')).toThrow('is not a release');
  });
});
