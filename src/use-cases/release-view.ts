import { listCandidate } from '../db/candidate.js';
import { countServices } from '../domain/candidate.js';
import type { Reader } from '../db/database.js';
import {
  countAudit,
  countAuditUpTo,
  findRelease,
  getReleaseById,
  listAudit,
  listAuditAfter,
  listAuditBefore,
  listRecentReleases,
  listReleases,
  type AuditRow,
  type ReleaseRow,
} from '../db/releases.js';
import { requireRelease } from './release-lookup.js';
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

export async function loadReleaseView(db: Reader, release: ReleaseRow | number): Promise<ReleaseView> {
  const row = typeof release === 'number' ? await getReleaseById(db, release) : release;
  if (!row) throw new Error('release vanished while rendering it');
  const tally =
    row.requiredRoles && (isFrozen(row.state) || row.state === 'released')
      ? tallySignoff(row.requiredRoles, await listVotes(db, row.id), row.revision)
      : undefined;
  const workloads = row.frozenAt ? await listCandidate(db, row.id, row.revision) : [];
  const candidate =
    workloads.length > 0
      ? {
          services: countServices(workloads),
          namespaces: [...new Set(workloads.map((w) => w.namespace))].sort(),
        }
      : undefined;
  return { release: row, tally, liveDevenvs: await countLiveDevenvs(db), candidate };
}

const OPEN_STATES = ['planned', 'frozen', 'signed_off'] as const;

/** Every open release, rendered-ready, and how many developer environments are live. */
export async function openReleasesOverview(
  db: Reader,
): Promise<{ views: ReleaseView[]; liveDevenvs: number }> {
  return {
    views: await Promise.all((await listReleases(db, OPEN_STATES)).map((r) => loadReleaseView(db, r))),
    liveDevenvs: await countLiveDevenvs(db),
  };
}

/** The newest releases for `/release list` (reads only those, whatever the history), and how many there are. */
export function recentReleases(db: Reader, limit: number): Promise<{ rows: ReleaseRow[]; total: number }> {
  return listRecentReleases(db, limit);
}

export function releaseNamed(db: Reader, version: string): Promise<ReleaseRow | undefined> {
  return findRelease(db, version);
}

/** One page of a release's audit trail, newest first. */
/** Beyond this many entries, counts say "10,000+" instead of reading the whole trail to count it. */
export const AUDIT_COUNT_CAP = 10_000;

export interface AuditPage {
  release: ReleaseRow;
  rows: AuditRow[];
  /** Entries older than the last one shown; at least this many when `olderAtLeast`. */
  older: number;
  olderAtLeast: boolean;
  /** The page number, when the page was asked for by number. */
  page: number | undefined;
  /** Pages in all, when known without counting past AUDIT_COUNT_CAP. */
  totalPages: number | undefined;
}

/**
 * One page of a release's audit trail, newest first: after a cursor (`before=<id>`, what the "and N more"
 * line offers), or by number (`page=N`). Neither reads more than a page and a capped count, except a page
 * number deep in a trail of more than AUDIT_COUNT_CAP entries, which needs the exact total.
 */
export async function auditPage(
  db: Reader,
  version: string,
  at: { page: number } | { before: number } | { oldest: true },
  pageSize: number,
): Promise<AuditPage> {
  const release = await requireRelease(db, version);
  if ('oldest' in at) {
    const rows = (await listAuditAfter(db, release.id, 0, pageSize)).reverse();
    return { release, rows, older: 0, olderAtLeast: false, page: undefined, totalPages: undefined };
  }
  if ('before' in at) {
    const rows = await listAuditBefore(db, release.id, at.before, pageSize);
    const last = rows.at(-1);
    const older = last ? await countAuditUpTo(db, release.id, AUDIT_COUNT_CAP, last.id) : 0;
    return {
      release,
      rows,
      older: Math.min(older, AUDIT_COUNT_CAP),
      olderAtLeast: older > AUDIT_COUNT_CAP,
      page: undefined,
      totalPages: undefined,
    };
  }
  const offset = (at.page - 1) * pageSize;
  const capped = await countAuditUpTo(db, release.id, AUDIT_COUNT_CAP);
  const exact = capped <= AUDIT_COUNT_CAP;
  const total = exact || offset + pageSize <= AUDIT_COUNT_CAP ? capped : await countAudit(db, release.id);
  const rows = await listAudit(db, release.id, pageSize, at.page, total);
  const older = Math.max(0, total - offset - rows.length);
  const known = exact || total !== capped;
  return {
    release,
    rows,
    // Counted up to the cap only: what is left is a lower bound then ("9981+ more").
    older,
    olderAtLeast: !known,
    page: at.page,
    totalPages: known ? Math.max(1, Math.ceil(total / pageSize)) : undefined,
  };
}

export function releaseById(db: Reader, id: number): Promise<ReleaseRow | undefined> {
  return getReleaseById(db, id);
}
