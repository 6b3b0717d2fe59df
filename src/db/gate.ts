import { and, asc, desc, eq, inArray, isNull, sql } from '../vendor/drizzle.js';
import { prepared, type Reader, type Tx, queryEither, type PostgresFormsOf } from './database.js';
import { freezeExceptions, gateChecks } from './schema.js';

export type ExceptionRow = typeof freezeExceptions.$inferSelect;

type GateCheckInsert = Omit<typeof gateChecks.$inferInsert, 'id'>;

export function insertGateCheck(tx: Tx, row: GateCheckInsert): Promise<void> {
  return queryEither(tx, {
    sqlite: (tx) => {
      prepared(tx, 'insertGateCheck', () =>
        tx
          .insert(gateChecks)
          .values({
            releaseId: sql.placeholder('releaseId'),
            service: sql.placeholder('service'),
            environment: sql.placeholder('environment'),
            issues: sql.placeholder('issues'),
            commitSha: sql.placeholder('commitSha'),
            pipelineUrl: sql.placeholder('pipelineUrl'),
            allowed: sql.placeholder('allowed'),
            reason: sql.placeholder('reason'),
            at: sql.placeholder('at'),
            changeKey: sql.placeholder('changeKey'),
          })
          .prepare(),
      ).run({
        releaseId: row.releaseId ?? null,
        service: row.service,
        environment: row.environment,
        issues: row.issues,
        commitSha: row.commitSha ?? null,
        pipelineUrl: row.pipelineUrl ?? null,
        allowed: row.allowed,
        reason: row.reason,
        at: row.at,
        changeKey: row.changeKey ?? null,
      });
    },
    postgres: (h) => h.forms.gate.insertGateCheck(h.pg, row),
  });
}

/** An earlier answer to the same change for the same release, if there was one. */
export function findGateCheck(
  db: Reader,
  key: { releaseId: number | null; service: string; changeKey: string; allowed: boolean },
): Promise<{ id: number } | undefined> {
  return queryEither(db, {
    sqlite: (db) => {
      const forRelease = key.releaseId !== null;
      return prepared(
        db,
        forRelease ? 'findGateCheck' : 'findGateCheckWithoutRelease',
        () =>
          db
            .select({ id: gateChecks.id })
            .from(gateChecks)
            .where(
              and(
                forRelease
                  ? eq(gateChecks.releaseId, sql.placeholder('releaseId'))
                  : isNull(gateChecks.releaseId),
                eq(gateChecks.service, sql.placeholder('service')),
                eq(gateChecks.changeKey, sql.placeholder('changeKey')),
                eq(gateChecks.allowed, sql.placeholder('allowed')),
              ),
            )
            .limit(1)
            .prepare(),
        // A placeholder in a condition is not encoded by its column: the boolean goes in as SQLite stores it.
      ).get({
        releaseId: key.releaseId,
        service: key.service,
        changeKey: key.changeKey,
        allowed: key.allowed ? 1 : 0,
      });
    },
    postgres: (h) => h.forms.gate.findGateCheck(h.pg, key),
  });
}

export function approvedExceptionKeys(db: Reader, releaseId: number, service: string): Promise<Set<string>> {
  return queryEither(db, {
    sqlite: (db) => {
      const rows = prepared(db, 'approvedExceptionKeys', () =>
        db
          .select({ key: freezeExceptions.issueKey })
          .from(freezeExceptions)
          .where(
            and(
              eq(freezeExceptions.releaseId, sql.placeholder('releaseId')),
              eq(freezeExceptions.service, sql.placeholder('service')),
              eq(freezeExceptions.state, 'approved'),
            ),
          )
          .prepare(),
      ).all({ releaseId, service });
      return new Set(rows.map((r) => r.key));
    },
    postgres: (h) => h.forms.gate.approvedExceptionKeys(h.pg, releaseId, service),
  });
}

export function insertException(
  tx: Tx,
  row: Omit<typeof freezeExceptions.$inferInsert, 'id'>,
): Promise<ExceptionRow> {
  return queryEither(tx, {
    sqlite: (tx) => {
      return tx.insert(freezeExceptions).values(row).returning().get();
    },
    postgres: (h) => h.forms.gate.insertException(h.pg, row),
  });
}

export function findException(db: Reader, id: number): Promise<ExceptionRow | undefined> {
  return queryEither(db, {
    sqlite: (db) => {
      return db.select().from(freezeExceptions).where(eq(freezeExceptions.id, id)).get();
    },
    postgres: (h) => h.forms.gate.findException(h.pg, id),
  });
}

export function decideException(
  tx: Tx,
  id: number,
  state: 'approved' | 'denied',
  decidedBy: string,
  at: Date,
): Promise<ExceptionRow | undefined> {
  return queryEither(tx, {
    sqlite: (tx) => {
      return tx
        .update(freezeExceptions)
        .set({ state, decidedBy, decidedAt: at })
        .where(and(eq(freezeExceptions.id, id), eq(freezeExceptions.state, 'pending')))
        .returning()
        .get();
    },
    postgres: (h) => h.forms.gate.decideException(h.pg, id, state, decidedBy, at),
  });
}

export function setExceptionMessage(db: Reader, id: number, channel: string, ts: string): Promise<void> {
  return queryEither(db, {
    sqlite: (db) => {
      db.update(freezeExceptions)
        .set({ messageChannel: channel, messageTs: ts })
        .where(eq(freezeExceptions.id, id))
        .run();
    },
    postgres: (h) => h.forms.gate.setExceptionMessage(h.pg, id, channel, ts),
  });
}

export function listExceptions(db: Reader, releaseId: number): Promise<ExceptionRow[]> {
  return queryEither(db, {
    sqlite: (db) => {
      return db
        .select()
        .from(freezeExceptions)
        .where(eq(freezeExceptions.releaseId, releaseId))
        .orderBy(desc(freezeExceptions.id))
        .all();
    },
    postgres: (h) => h.forms.gate.listExceptions(h.pg, releaseId),
  });
}

/** Changes the gate let into a release's frozen candidate, oldest first. */
export function listAllowedGateChecks(
  db: Reader,
  releaseId: number,
  environments: readonly string[],
): Promise<(typeof gateChecks.$inferSelect)[]> {
  return queryEither(db, {
    sqlite: (db) => {
      return db
        .select()
        .from(gateChecks)
        .where(
          and(
            eq(gateChecks.releaseId, releaseId),
            eq(gateChecks.allowed, true),
            inArray(gateChecks.environment, [...environments]),
          ),
        )
        .orderBy(asc(gateChecks.id))
        .all();
    },
    postgres: (h) => h.forms.gate.listAllowedGateChecks(h.pg, releaseId, environments),
  });
}

/** The PostgreSQL forms of the statements above (src/db/postgres/gate.ts). */
export type GateForms = PostgresFormsOf<{
  insertGateCheck: typeof insertGateCheck;
  findGateCheck: typeof findGateCheck;
  approvedExceptionKeys: typeof approvedExceptionKeys;
  insertException: typeof insertException;
  findException: typeof findException;
  decideException: typeof decideException;
  setExceptionMessage: typeof setExceptionMessage;
  listExceptions: typeof listExceptions;
  listAllowedGateChecks: typeof listAllowedGateChecks;
}>;
