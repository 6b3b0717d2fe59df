import { and, asc, desc, eq, inArray, isNull } from 'drizzle-orm';
import type { Reader, Tx } from './database.js';
import { freezeExceptions, gateChecks } from './schema.js';

export type ExceptionRow = typeof freezeExceptions.$inferSelect;

export function insertGateCheck(tx: Tx, row: Omit<typeof gateChecks.$inferInsert, 'id'>): void {
  tx.insert(gateChecks).values(row).run();
}

/** An earlier answer to the same change for the same release, if there was one. */
export function findGateCheck(
  db: Reader,
  key: { releaseId: number | null; service: string; changeKey: string; allowed: boolean },
): { id: number } | undefined {
  return db
    .select({ id: gateChecks.id })
    .from(gateChecks)
    .where(
      and(
        key.releaseId === null ? isNull(gateChecks.releaseId) : eq(gateChecks.releaseId, key.releaseId),
        eq(gateChecks.service, key.service),
        eq(gateChecks.changeKey, key.changeKey),
        eq(gateChecks.allowed, key.allowed),
      ),
    )
    .limit(1)
    .get();
}

export function approvedExceptionKeys(db: Reader, releaseId: number, service: string): Set<string> {
  const rows = db
    .select({ key: freezeExceptions.issueKey })
    .from(freezeExceptions)
    .where(
      and(
        eq(freezeExceptions.releaseId, releaseId),
        eq(freezeExceptions.service, service),
        eq(freezeExceptions.state, 'approved'),
      ),
    )
    .all();
  return new Set(rows.map((r) => r.key));
}

export function insertException(tx: Tx, row: Omit<typeof freezeExceptions.$inferInsert, 'id'>): ExceptionRow {
  return tx.insert(freezeExceptions).values(row).returning().get();
}

export function findException(db: Reader, id: number): ExceptionRow | undefined {
  return db.select().from(freezeExceptions).where(eq(freezeExceptions.id, id)).get();
}

export function decideException(
  tx: Tx,
  id: number,
  state: 'approved' | 'denied',
  decidedBy: string,
  at: Date,
): ExceptionRow | undefined {
  return tx
    .update(freezeExceptions)
    .set({ state, decidedBy, decidedAt: at })
    .where(and(eq(freezeExceptions.id, id), eq(freezeExceptions.state, 'pending')))
    .returning()
    .get();
}

export function setExceptionMessage(db: Reader, id: number, channel: string, ts: string): void {
  db.update(freezeExceptions)
    .set({ messageChannel: channel, messageTs: ts })
    .where(eq(freezeExceptions.id, id))
    .run();
}

export function listExceptions(db: Reader, releaseId: number): ExceptionRow[] {
  return db
    .select()
    .from(freezeExceptions)
    .where(eq(freezeExceptions.releaseId, releaseId))
    .orderBy(desc(freezeExceptions.id))
    .all();
}

/** Changes the gate let into a release's frozen candidate, oldest first. */
export function listAllowedGateChecks(
  db: Reader,
  releaseId: number,
  environments: readonly string[],
): (typeof gateChecks.$inferSelect)[] {
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
}
