// The calendar's run keys on PostgreSQL (the SQLite forms are in src/db/schedule.ts).
import { and, desc, eq, inArray, lt } from '../../vendor/drizzle.js';
import type { ScheduleForms } from '../schedule.js';
import { releases, scheduleRuns } from './schema.js';

export const scheduleForms: ScheduleForms = {
  /** The key is the primary key: of two instances running one action, one inserts and the other gets false. */
  async claimRun(db, row) {
    const inserted = await db
      .insert(scheduleRuns)
      .values(row)
      .onConflictDoNothing()
      .returning({ key: scheduleRuns.key });
    return inserted.length > 0;
  },

  async hasRun(db, key) {
    const [row] = await db
      .select({ key: scheduleRuns.key })
      .from(scheduleRuns)
      .where(eq(scheduleRuns.key, key));
    return row !== undefined;
  },

  async runKeysOf(db, releaseIds) {
    if (releaseIds.length === 0) return new Set<string>();
    const rows = await db
      .select({ key: scheduleRuns.key })
      .from(scheduleRuns)
      .where(inArray(scheduleRuns.releaseId, [...releaseIds]));
    return new Set(rows.map((row) => row.key));
  },

  async lastRunAt(db, releaseId, kinds) {
    const [row] = await db
      .select({ ranAt: scheduleRuns.ranAt })
      .from(scheduleRuns)
      .where(and(eq(scheduleRuns.releaseId, releaseId), inArray(scheduleRuns.kind, [...kinds])))
      .orderBy(desc(scheduleRuns.ranAt))
      .limit(1);
    return row?.ranAt ?? null;
  },

  async pruneFinishedRuns(db, before, limit = 1_000) {
    const removed = await db
      .delete(scheduleRuns)
      .where(
        inArray(
          scheduleRuns.key,
          db
            .select({ key: scheduleRuns.key })
            .from(scheduleRuns)
            .innerJoin(releases, eq(releases.id, scheduleRuns.releaseId))
            .where(and(inArray(releases.state, ['released', 'cancelled']), lt(scheduleRuns.ranAt, before)))
            .limit(limit),
        ),
      )
      .returning({ key: scheduleRuns.key });
    return removed.length;
  },
};
