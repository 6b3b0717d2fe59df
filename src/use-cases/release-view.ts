import { listCandidate } from '../db/candidate.js';
import { countServices } from '../domain/candidate.js';
import type { Reader } from '../db/database.js';
import {
  countAudit,
  countAuditBefore,
  findRelease,
  getReleaseById,
  listAudit,
  listAuditBefore,
  listRecentReleases,
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

/** The newest releases for `/release list` (reads only those, whatever the history), and how many there are. */
export function recentReleases(db: Reader, limit: number): { rows: ReleaseRow[]; total: number } {
  return listRecentReleases(db, limit);
}

export function releaseNamed(db: Reader, version: string): ReleaseRow | undefined {
  return findRelease(db, version);
}

/** One page of a release's audit trail, newest first. */
export interface AuditPage {
  release: ReleaseRow;
  rows: AuditRow[];
  /** Entries older than the last one shown. */
  older: number;
  /** The page number, when the page was asked for by number. */
  page: number | undefined;
  totalPages: number;
}

/**
 * One page of a release's audit trail, newest first: by number (`page=N`), or after a cursor (`before=<id>`,
 * what the "and N more" line offers), which costs the same at any depth.
 */
export function auditPage(
  db: Reader,
  version: string,
  at: { page: number } | { before: number },
  pageSize: number,
): AuditPage {
  const release = requireRelease(db, version);
  const total = countAudit(db, release.id);
  const totalPages = Math.max(1, Math.ceil(total / pageSize));
  if ('before' in at) {
    const rows = listAuditBefore(db, release.id, at.before, pageSize);
    const last = rows.at(-1);
    return {
      release,
      rows,
      older: last ? countAuditBefore(db, release.id, last.id) : 0,
      page: undefined,
      totalPages,
    };
  }
  const rows = listAudit(db, release.id, pageSize, at.page, total);
  return {
    release,
    rows,
    older: Math.max(0, total - (at.page - 1) * pageSize - rows.length),
    page: at.page,
    totalPages,
  };
}

export function releaseById(db: Reader, id: number): ReleaseRow | undefined {
  return getReleaseById(db, id);
}
