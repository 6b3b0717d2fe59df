import type { Reader } from '../db/database.js';
import { getReleaseById, type ReleaseRow } from '../db/releases.js';
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
}

export function loadReleaseView(db: Reader, release: ReleaseRow | number): ReleaseView {
  const row = typeof release === 'number' ? getReleaseById(db, release) : release;
  if (!row) throw new Error('release vanished while rendering it');
  const tally =
    row.requiredRoles && (isFrozen(row.state) || row.state === 'released')
      ? tallySignoff(row.requiredRoles, listVotes(db, row.id), row.revision)
      : undefined;
  return { release: row, tally, liveDevenvs: countLiveDevenvs(db) };
}
