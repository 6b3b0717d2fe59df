import { and, desc, eq, inArray, sql } from '../vendor/drizzle.js';
import { prepared, type Reader, type Tx, queryEither, type PostgresFormsOf } from './database.js';
import { releases, scheduleRuns } from './schema.js';

export type ScheduleRunRow = typeof scheduleRuns.$inferSelect;

/**
 * Records a scheduled action as run. Resolves to false when it had run already: the caller's transaction
 * then does nothing else, which is what makes each action happen once.
 */
export function claimRun(tx: Tx, row: ScheduleRunRow): Promise<boolean> {
  return queryEither(tx, {
    sqlite: (tx) => {
      const inserted = tx.insert(scheduleRuns).values(row).onConflictDoNothing().returning().get();
      return inserted !== undefined;
    },
    postgres: (h) => h.forms.schedule.claimRun(h.pg, row),
  });
}

export function hasRun(db: Reader, key: string): Promise<boolean> {
  return queryEither(db, {
    sqlite: (db) => {
      return (
        prepared(db, 'hasRun', () =>
          db
            .select({ key: scheduleRuns.key })
            .from(scheduleRuns)
            .where(eq(scheduleRuns.key, sql.placeholder('key')))
            .prepare(),
        ).get({ key }) !== undefined
      );
    },
    postgres: (h) => h.forms.schedule.hasRun(h.pg, key),
  });
}

/** The keys of every action run for these releases: what a calendar pass must not run again. */
export function runKeysOf(db: Reader, releaseIds: readonly number[]): Promise<Set<string>> {
  return queryEither(db, {
    sqlite: (db) => {
      if (releaseIds.length === 0) return new Set<string>();
      const rows = db
        .select({ key: scheduleRuns.key })
        .from(scheduleRuns)
        .where(inArray(scheduleRuns.releaseId, [...releaseIds]))
        .all();
      return new Set(rows.map((row) => row.key));
    },
    postgres: (h) => h.forms.schedule.runKeysOf(h.pg, releaseIds),
  });
}

/** When the last run of one of `kinds` happened for a release. */
export function lastRunAt(db: Reader, releaseId: number, kinds: readonly string[]): Promise<Date | null> {
  return queryEither(db, {
    sqlite: (db) => {
      const row = db
        .select({ ranAt: scheduleRuns.ranAt })
        .from(scheduleRuns)
        .where(and(eq(scheduleRuns.releaseId, releaseId), inArray(scheduleRuns.kind, [...kinds])))
        .orderBy(desc(scheduleRuns.ranAt))
        .limit(1)
        .get();
      return row?.ranAt ?? null;
    },
    postgres: (h) => h.forms.schedule.lastRunAt(h.pg, releaseId, kinds),
  });
}

/**
 * Runs of releases that are over (shipped or cancelled) and older than `before`: nothing is due for those
 * releases any more, so their keys no longer guard anything. Runs of open releases are kept, since their
 * keys are what make each action happen once.
 */
export function pruneFinishedRuns(db: Reader, before: Date, limit = 1_000): Promise<number> {
  return queryEither(db, {
    sqlite: (db) => {
      return db
        .delete(scheduleRuns)
        .where(
          inArray(
            scheduleRuns.key,
            db
              .select({ key: scheduleRuns.key })
              .from(scheduleRuns)
              .innerJoin(releases, eq(releases.id, scheduleRuns.releaseId))
              .where(
                and(
                  inArray(releases.state, ['released', 'cancelled']),
                  sql`${scheduleRuns.ranAt} < ${before.getTime()}`,
                ),
              )
              .limit(limit),
          ),
        )
        .run().changes;
    },
    postgres: (h) => h.forms.schedule.pruneFinishedRuns(h.pg, before, limit),
  });
}

/** The PostgreSQL forms of the statements above (src/db/postgres/schedule.ts). */
export type ScheduleForms = PostgresFormsOf<{
  claimRun: typeof claimRun;
  hasRun: typeof hasRun;
  runKeysOf: typeof runKeysOf;
  lastRunAt: typeof lastRunAt;
  pruneFinishedRuns: typeof pruneFinishedRuns;
}>;
