import { and, desc, eq } from 'drizzle-orm';
import type { Reader, Tx } from './database.js';
import { freezeExceptions, gateChecks } from './schema.js';

export type ExceptionRow = typeof freezeExceptions.$inferSelect;

export function insertGateCheck(tx: Tx, row: Omit<typeof gateChecks.$inferInsert, 'id'>): void {
  tx.insert(gateChecks).values(row).run();
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
