// The releases' and audit trail's statements on PostgreSQL (the SQLite forms are in src/db/releases.ts).
import { and, asc, desc, eq, gt, inArray, lt, sql } from '../../vendor/drizzle.js';
import { versionKey } from '../../domain/version.js';
import type { ReleaseRow, ReleasesForms } from '../releases.js';
import { auditEvents, releases } from './schema.js';

const one = <T>(rows: T[]): T | undefined => rows[0];

export const releasesForms: ReleasesForms = {
  async findRelease(db, version) {
    return one(
      await db
        .select()
        .from(releases)
        .where(eq(releases.versionKey, versionKey(version))),
    );
  },

  async getReleaseById(db, id) {
    return one(await db.select().from(releases).where(eq(releases.id, id)));
  },

  async listReleases(db, states) {
    const query = db.select().from(releases);
    const filtered = states ? query.where(inArray(releases.state, [...states])) : query;
    return await filtered.orderBy(desc(releases.createdAt), desc(releases.id));
  },

  async insertRelease(db, values) {
    const [row] = await db
      .insert(releases)
      .values({
        version: values.version,
        versionKey: versionKey(values.version),
        state: 'planned',
        freezeAt: values.freezeAt,
        shipAt: values.shipAt,
        createdBy: values.createdBy,
        createdAt: values.at,
        updatedAt: values.at,
      })
      .returning();
    return row as ReleaseRow;
  },

  async updateRelease(db, release, patch) {
    const [updated] = await db
      .update(releases)
      .set(patch)
      .where(and(eq(releases.id, release.id), eq(releases.state, release.state)))
      .returning();
    if (!updated) throw new Error(`release ${release.id} changed state concurrently`);
    return updated;
  },

  async setAnnouncement(db, releaseId, channel, ts) {
    await db
      .update(releases)
      .set({
        announcementChannel: channel,
        announcementTs: ts,
        announcementPermalink: null,
        announcementProblem: null,
      })
      .where(eq(releases.id, releaseId));
  },

  async setAnnouncementPermalink(db, releaseId, permalink) {
    await db.update(releases).set({ announcementPermalink: permalink }).where(eq(releases.id, releaseId));
  },

  async setAnnouncementProblem(db, releaseId, problem) {
    await db.update(releases).set({ announcementProblem: problem }).where(eq(releases.id, releaseId));
  },

  async bumpRevision(db, releaseId, at) {
    const [row] = await db
      .update(releases)
      .set({ revision: sql`${releases.revision} + 1`, updatedAt: at })
      .where(eq(releases.id, releaseId))
      .returning({ revision: releases.revision });
    if (!row) throw new Error(`release ${releaseId} vanished`);
    return row.revision;
  },

  async appendAudit(db, entry) {
    await db.insert(auditEvents).values({
      releaseId: entry.releaseId,
      actor: entry.actor,
      action: entry.action,
      fromState: entry.fromState ?? null,
      toState: entry.toState ?? null,
      detail: entry.detail ?? null,
      commandText: entry.commandText ?? null,
      at: entry.at,
    });
  },

  async listAudit(db, releaseId, pageSize, page, total) {
    const offset = (page - 1) * pageSize;
    const ofRelease = db.select().from(auditEvents).where(eq(auditEvents.releaseId, releaseId));
    if (offset <= total / 2) {
      return await ofRelease.orderBy(desc(auditEvents.id)).limit(pageSize).offset(offset);
    }
    const limit = Math.max(0, Math.min(pageSize, total - offset));
    const oldestFirst = await ofRelease
      .orderBy(asc(auditEvents.id))
      .limit(limit)
      .offset(Math.max(0, total - offset - limit));
    return oldestFirst.reverse();
  },

  async listAuditBefore(db, releaseId, beforeId, pageSize) {
    return await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.releaseId, releaseId), lt(auditEvents.id, beforeId)))
      .orderBy(desc(auditEvents.id))
      .limit(pageSize);
  },

  async countAuditUpTo(db, releaseId, cap, beforeId) {
    const where =
      beforeId === undefined
        ? eq(auditEvents.releaseId, releaseId)
        : and(eq(auditEvents.releaseId, releaseId), lt(auditEvents.id, beforeId));
    const limited = db
      .select({ one: sql`1` })
      .from(auditEvents)
      .where(where)
      .limit(cap + 1)
      .as('limited');
    return one(await db.select({ n: sql<number>`count(*)::int` }).from(limited))?.n ?? 0;
  },

  async countAudit(db, releaseId) {
    return (
      one(
        await db
          .select({ n: sql<number>`count(*)::int` })
          .from(auditEvents)
          .where(eq(auditEvents.releaseId, releaseId)),
      )?.n ?? 0
    );
  },

  async setJiraSync(db, releaseId, state) {
    await db.update(releases).set({ jiraSync: state }).where(eq(releases.id, releaseId));
  },

  async countReleasesByState(db) {
    const rows = await db
      .select({ state: releases.state, n: sql<number>`count(*)::int` })
      .from(releases)
      .groupBy(releases.state);
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  },

  async listAuditAfter(db, releaseId, afterId, limit) {
    return await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.releaseId, releaseId), gt(auditEvents.id, afterId)))
      .orderBy(asc(auditEvents.id))
      .limit(limit);
  },

  async listRecentReleases(db, limit) {
    const rows = await db
      .select()
      .from(releases)
      .orderBy(desc(releases.createdAt), desc(releases.id))
      .limit(limit);
    const total = one(await db.select({ n: sql<number>`count(*)::int` }).from(releases))?.n ?? 0;
    return { rows: rows, total };
  },

  async lastFreezeEvent(db, releaseId) {
    return one(
      await db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.releaseId, releaseId), eq(auditEvents.action, 'release_frozen')))
        .orderBy(desc(auditEvents.id))
        .limit(1),
    );
  },
};
