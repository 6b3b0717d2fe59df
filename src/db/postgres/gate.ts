// The gate's records and freeze exceptions on PostgreSQL (the SQLite forms are in src/db/gate.ts).
import { and, asc, desc, eq, inArray, isNull } from '../../vendor/drizzle.js';
import type { GateForms } from '../gate.js';
import { freezeExceptions, gateChecks } from './schema.js';

export const gateForms: GateForms = {
  async insertGateCheck(db, row) {
    await db.insert(gateChecks).values({
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

  async findGateCheck(db, key) {
    const [row] = await db
      .select({ id: gateChecks.id })
      .from(gateChecks)
      .where(
        and(
          key.releaseId !== null ? eq(gateChecks.releaseId, key.releaseId) : isNull(gateChecks.releaseId),
          eq(gateChecks.service, key.service),
          eq(gateChecks.changeKey, key.changeKey),
          eq(gateChecks.allowed, key.allowed),
        ),
      )
      .limit(1);
    return row;
  },

  async approvedExceptionKeys(db, releaseId, service) {
    const rows = await db
      .select({ key: freezeExceptions.issueKey })
      .from(freezeExceptions)
      .where(
        and(
          eq(freezeExceptions.releaseId, releaseId),
          eq(freezeExceptions.service, service),
          eq(freezeExceptions.state, 'approved'),
        ),
      );
    return new Set(rows.map((r) => r.key));
  },

  async insertException(db, row) {
    const [inserted] = await db.insert(freezeExceptions).values(row).returning();
    return inserted!;
  },

  async findException(db, id) {
    const [row] = await db.select().from(freezeExceptions).where(eq(freezeExceptions.id, id));
    return row;
  },

  /** Only a pending exception is decided: of two managers deciding at once, one wins. */
  async decideException(db, id, state, decidedBy, at) {
    const [row] = await db
      .update(freezeExceptions)
      .set({ state, decidedBy, decidedAt: at })
      .where(and(eq(freezeExceptions.id, id), eq(freezeExceptions.state, 'pending')))
      .returning();
    return row;
  },

  async setExceptionMessage(db, id, channel, ts) {
    await db
      .update(freezeExceptions)
      .set({ messageChannel: channel, messageTs: ts })
      .where(eq(freezeExceptions.id, id));
  },

  async listExceptions(db, releaseId) {
    return db
      .select()
      .from(freezeExceptions)
      .where(eq(freezeExceptions.releaseId, releaseId))
      .orderBy(desc(freezeExceptions.id));
  },

  async listAllowedGateChecks(db, releaseId, environments) {
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
      .orderBy(asc(gateChecks.id));
  },
};
