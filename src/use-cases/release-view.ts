import { listCandidate } from '../db/candidate.js';
import { countServices } from '../domain/candidate.js';
import type { Reader } from '../db/database.js';
import {
  countAudit,
  findRelease,
  getReleaseById,
  listAudit,
  listReleases,
  type AuditRow,
  type ReleaseRow,
} from '../db/releases.js';
import { requireRelease } from './release-lifecycle.js';
import { listVotes } from '../db/votes.js';
import { countLiveDevenvs } from '../db/devenvs.js';
import { isFrozen } from '../domain/release.js';
import { tallySignoff, type SignoffTally } from '../domain/signoff.js';

/** Everything a rendering of one release needs, read in one go. */
export interface ReleaseView {
  release: ReleaseRow;
  /** Present once the release has been frozen (it has required roles from then on). */
  tally: SignoffTally | undefined;
  liveDevenvs: number;
  /** The candidate of the current revision as read from the cluster; undefined when none was read. */
  candidate?: { services: number; namespaces: string[] };
}

export function loadReleaseView(db: Reader, release: ReleaseRow | number): ReleaseView {
  const row = typeof release === 'number' ? getReleaseById(db, release) : release;
  if (!row) throw new Error('release vanished while rendering it');
  const tally =
    row.requiredRoles && (isFrozen(row.state) || row.state === 'released')
      ? tallySignoff(row.requiredRoles, listVotes(db, row.id), row.revision)
      : undefined;
  const workloads = row.frozenAt ? listCandidate(db, row.id, row.revision) : [];
  const candidate =
    workloads.length > 0
      ? {
          services: countServices(workloads),
          namespaces: [...new Set(workloads.map((w) => w.namespace))].sort(),
        }
      : undefined;
  return { release: row, tally, liveDevenvs: countLiveDevenvs(db), candidate };
}

const OPEN_STATES = ['planned', 'frozen', 'signed_off'] as const;

/** Every open release, rendered-ready, and how many developer environments are live. */
export function openReleasesOverview(db: Reader): { views: ReleaseView[]; liveDevenvs: number } {
  return {
    views: listReleases(db, OPEN_STATES).map((r) => loadReleaseView(db, r)),
    liveDevenvs: countLiveDevenvs(db),
  };
}

export function allReleases(db: Reader): ReleaseRow[] {
  return listReleases(db);
}

export function releaseNamed(db: Reader, version: string): ReleaseRow | undefined {
  return findRelease(db, version);
}

/** One page of a release's audit trail, newest first. */
export function auditPage(
  db: Reader,
  version: string,
  page: number,
  pageSize: number,
): { release: ReleaseRow; rows: AuditRow[]; totalPages: number; total: number } {
  const release = requireRelease(db, version);
  const total = countAudit(db, release.id);
  return {
    release,
    rows: listAudit(db, release.id, pageSize, page),
    totalPages: Math.max(1, Math.ceil(total / pageSize)),
    total,
  };
}

export function releaseById(db: Reader, id: number): ReleaseRow | undefined {
  return getReleaseById(db, id);
}
