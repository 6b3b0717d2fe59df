import type { Reader } from '../db/database.js';
import { findRelease, type ReleaseRow } from '../db/releases.js';
import { AppError } from '../domain/errors.js';
import { parseVersionName } from '../domain/version.js';

/** The release named `version`, or a reply that says there is none and how to find the ones there are. */
export async function requireRelease(db: Reader, version: string): Promise<ReleaseRow> {
  const name = parseVersionName(version);
  const release = await findRelease(db, name);
  if (!release) {
    throw new AppError(
      'not_found',
      `There is no release ${name}. \`/release list\` shows the ones there are.`,
    );
  }
  return release;
}
