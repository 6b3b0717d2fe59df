import type { Store, Reader, Tx } from '../db/database.js';
import {
  candidateRevisions,
  listAdmittedImages,
  listCandidate,
  putCandidateWorkload,
  removeCandidateWorkload,
  storeCandidate,
} from '../db/candidate.js';
import { appendAudit, findRelease, listReleases, type ReleaseRow } from '../db/releases.js';
import {
  classifyChange,
  describeChange,
  diffCandidates,
  removalChanges,
  workloadKey,
  type CandidateDiff,
  type CandidateWorkload,
  type ImageChange,
} from '../domain/candidate.js';
import { AppError } from '../domain/errors.js';
import { isFrozen } from '../domain/release.js';
import { parseVersionName } from '../domain/version.js';
import type { Logger } from '../logger.js';
import { withinBudget } from '../support/deadline.js';
import { releaseRef, type CandidateSource, type Clock, type ObservedWorkload, type Outbox } from './ports.js';
import { requireRelease } from './release-lookup.js';
import { bumpCandidateRevisionIn } from './signoff.js';

/** What a freeze found in the cluster: the workloads, or why they could not be read. */
export type CandidateCapture = { workloads: CandidateWorkload[] } | { problem: string };

/**
 * How long a freeze waits for the cluster: a button's answer is due within Slack's 3 s. A slower cluster
 * does not stop the freeze; the watch's first full list becomes the candidate then.
 */
export const CAPTURE_BUDGET_MS = 1_500;

/** Reads the candidate before a freeze's transaction; a cluster that cannot be read does not stop it. */
export async function captureCandidate(
  source: CandidateSource | undefined,
  logger: Logger,
): Promise<CandidateCapture | undefined> {
  if (!source) return undefined;
  try {
    const observed = await withinBudget(source.readWorkloads(), CAPTURE_BUDGET_MS);
    if (!observed)
      return { problem: `The cluster did not list the candidate within ${CAPTURE_BUDGET_MS} ms.` };
    return { workloads: observed.map(({ manager: _manager, ...workload }) => workload) };
  } catch (error) {
    logger.warn({ err: error }, 'could not read the release candidate from the cluster');
    return { problem: (error as Error).message };
  }
}

/** Stores what the freeze found as the bill of materials of the revision it froze. */
export async function storeCapture(
  tx: Tx,
  release: ReleaseRow,
  capture: CandidateCapture | undefined,
  at: Date,
): Promise<void> {
  if (!capture) return;
  if ('problem' in capture) {
    await appendAudit(tx, {
      releaseId: release.id,
      actor: 'cluster',
      action: 'candidate_unread',
      detail: `${capture.problem} The candidate is read when the cluster answers.`,
      at,
    });
    return;
  }
  await storeCandidate(tx, release.id, release.revision, capture.workloads);
}

/** A release and revision as typed: `2.4` (its current revision) or `2.4@3`. */
export function parseCandidateRef(text: string): { version: string; revision: number | undefined } {
  const match = /^([^@\s]+)(?:@r?(\d{1,6}))?$/.exec(text.trim());
  if (!match) {
    throw new AppError(
      'invalid_input',
      `\`${text}\` is not a release: use a version like \`2.4\`, or \`2.4@3\` for its revision 3.`,
    );
  }
  return { version: parseVersionName(match[1]), revision: match[2] ? Number(match[2]) : undefined };
}

export interface CandidateView {
  release: ReleaseRow;
  revision: number;
  workloads: CandidateWorkload[];
  /** The revisions that have a bill of materials. */
  revisions: number[];
}

export async function loadCandidate(db: Reader, ref: string): Promise<CandidateView> {
  const { version, revision } = parseCandidateRef(ref);
  const release = await requireRelease(db, version);
  const revisions = await candidateRevisions(db, release.id);
  const wanted = revision ?? revisions.at(-1) ?? release.revision;
  if (!revisions.includes(wanted)) {
    throw new AppError(
      'not_found',
      revisions.length === 0
        ? `${release.version} has no recorded candidate: it is read from the cluster at its freeze (FREEZE_NAMESPACES).`
        : `${release.version} has no candidate revision ${wanted}; it has ${revisions.join(', ')}.`,
    );
  }
  return { release, revision: wanted, workloads: await listCandidate(db, release.id, wanted), revisions };
}

export interface CandidateDiffView {
  from: CandidateView;
  to: CandidateView;
  diff: CandidateDiff;
}

export async function loadCandidateDiff(db: Reader, from: string, to: string): Promise<CandidateDiffView> {
  const a = await loadCandidate(db, from);
  const b = await loadCandidate(db, to);
  return { from: a, to: b, diff: diffCandidates(a.workloads, b.workloads) };
}

/** The newest shipped release of a lower version with a recorded candidate ("what changed since 2.3"). */
export async function previousShipped(db: Reader, release: ReleaseRow): Promise<ReleaseRow | undefined> {
  const lower = (await listReleases(db, ['released']))
    .filter((r) => r.versionKey < release.versionKey)
    .sort((a, b) => (a.versionKey < b.versionKey ? 1 : -1));
  for (const candidate of lower) {
    if ((await candidateRevisions(db, candidate.id)).length > 0) return candidate;
  }
  return undefined;
}

export interface WatchDeps {
  store: Store;
  clock: Clock;
  outbox: Outbox;
  logger: Logger;
}

/**
 * What the watch saw of one workload, compared with every frozen release's candidate in one transaction.
 * The stored candidate is updated in the same transaction, so the same state seen again (a relist, a
 * restart) finds nothing new: each change is reported once.
 */
export async function observeWorkload(deps: WatchDeps, observed: ObservedWorkload): Promise<void> {
  const at = deps.clock.now();
  await deps.store.transaction(async (tx) => {
    for (const release of await listReleases(tx, ['frozen', 'signed_off'])) {
      await observeFor(tx, deps, release, observed, at);
    }
  });
}

/** A workload deleted from a freeze namespace leaves the candidate, and that is reported like a change. */
export async function observeRemoval(
  deps: WatchDeps,
  removed: Pick<CandidateWorkload, 'namespace' | 'kind' | 'name'>,
): Promise<void> {
  const at = deps.clock.now();
  await deps.store.transaction(async (tx) => {
    for (const release of await listReleases(tx, ['frozen', 'signed_off'])) {
      const stored = (await listCandidate(tx, release.id, release.revision)).find(
        (w) => workloadKey(w) === workloadKey(removed),
      );
      if (!stored) continue;
      await drifted(tx, deps, release, stored, removalChanges(stored), undefined, at, (revision) =>
        removeCandidateWorkload(tx, release.id, revision, removed),
      );
    }
  });
}

/**
 * After a full list (the first after a start, or after `410 Gone`): workloads the candidate holds that the
 * cluster no longer has were removed while nobody watched.
 */
export async function observeFullList(deps: WatchDeps, observed: readonly ObservedWorkload[]): Promise<void> {
  const at = deps.clock.now();
  await deps.store.transaction(async (tx) => {
    for (const release of await listReleases(tx, ['frozen', 'signed_off'])) {
      if (!(await candidateRevisions(tx, release.id)).includes(release.revision)) {
        // The freeze could not read the cluster: this first full list is the candidate.
        await storeCandidate(
          tx,
          release.id,
          release.revision,
          observed.map(({ manager: _m, ...w }) => w),
        );
        await appendAudit(tx, {
          releaseId: release.id,
          actor: 'cluster',
          action: 'candidate_captured',
          detail: `revision ${release.revision}: ${observed.length} workloads read from the cluster`,
          at,
        });
        continue;
      }
      for (const workload of observed) await observeFor(tx, deps, release, workload, at);
      const present = new Set(observed.map(workloadKey));
      for (const stored of await listCandidate(tx, release.id, release.revision)) {
        if (present.has(workloadKey(stored))) continue;
        const current = (await findRelease(tx, release.version)) ?? release;
        await drifted(tx, deps, current, stored, removalChanges(stored), undefined, at, (revision) =>
          removeCandidateWorkload(tx, release.id, revision, stored),
        );
      }
    }
  });
}

async function observeFor(
  tx: Tx,
  deps: WatchDeps,
  listed: ReleaseRow,
  observed: ObservedWorkload,
  at: Date,
): Promise<void> {
  // Re-read: an earlier workload of the same list may have bumped the revision.
  const release = (await findRelease(tx, listed.version)) ?? listed;
  const { manager, ...workload } = observed;
  const stored = (await listCandidate(tx, release.id, release.revision)).find(
    (w) => workloadKey(w) === workloadKey(workload),
  );
  const admitted = new Set((await listAdmittedImages(tx, [release.id])).map((a) => a.image));
  const verdict = classifyChange(stored, workload, admitted);
  if (verdict.kind === 'unchanged') return;
  if (verdict.kind === 'admitted') {
    await putCandidateWorkload(tx, release.id, release.revision, workload);
    await appendAudit(tx, {
      releaseId: release.id,
      actor: manager ?? 'cluster',
      action: 'candidate_change_admitted',
      detail: `${workload.service} (${workloadKey(workload)}): ${verdict.changes.map(describeChange).join('; ')}`,
      at,
    });
    return;
  }
  await drifted(tx, deps, release, workload, verdict.changes, manager, at, (revision) =>
    putCandidateWorkload(tx, release.id, revision, workload),
  );
}

/** An unapproved change: the thread and the managers hear of it, and earlier sign-offs go stale. */
async function drifted(
  tx: Tx,
  deps: WatchDeps,
  release: ReleaseRow,
  workload: Pick<CandidateWorkload, 'service' | 'namespace' | 'kind' | 'name'>,
  changes: ImageChange[],
  manager: string | undefined,
  at: Date,
  apply: (revision: number) => Promise<void>,
): Promise<void> {
  const described = changes.map(describeChange).join('; ');
  const cause = `${workload.service} changed outside the freeze gate${manager ? ` by ${manager}` : ''}: ${described}`;
  const bumped = isFrozen(release.state)
    ? await bumpCandidateRevisionIn(tx, deps.outbox, release, { actor: manager ?? 'cluster', cause, at })
    : release;
  await apply(bumped.revision);
  await appendAudit(tx, {
    releaseId: release.id,
    actor: manager ?? 'cluster',
    action: 'candidate_drifted',
    detail: `${workloadKey(workload)}: ${described}`,
    at,
  });
  await deps.outbox.enqueue(tx, {
    kind: 'candidate_drifted',
    release: releaseRef(bumped),
    service: workload.service,
    workload: workloadKey(workload),
    changes,
    manager: manager ?? null,
  });
}
