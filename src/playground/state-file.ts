import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Logger } from '../logger.js';
import type { z } from '../vendor/zod.js';

/**
 * A playground file kept beside the database (the workspace, the seeded Jira, the session), read whole and
 * checked with `schema`: undefined when there is none yet, or (said once in the log) when it cannot be read.
 */
export function readStateFile<T>(
  path: string | undefined,
  schema: z.ZodType<T>,
  logger: Logger,
  what: string,
): T | undefined {
  if (!path) return undefined;
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    json = undefined;
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  logger.warn({ path }, `ignoring an unreadable playground ${what} file; starting afresh`);
  return undefined;
}

/** Writes the file whole through a temporary one, so a crash never leaves half of it; a failure is logged. */
export function writeStateFile(path: string | undefined, value: unknown, logger: Logger, what: string): void {
  if (!path) return;
  try {
    writeFileSync(`${path}.tmp`, JSON.stringify(value));
    renameSync(`${path}.tmp`, path);
  } catch (error) {
    logger.warn({ err: error }, `could not save the playground ${what}`);
  }
}
