// One cohesive thing, kept whole: every statement on the releases and audit tables.
import { and, asc, desc, eq, gt, inArray, lt, sql } from '../vendor/drizzle.js';
import type { ReleaseState } from '../domain/release.js';
import { versionKey } from '../domain/version.js';
import { prepared, type Reader, type Tx, queryEither, type PostgresFormsOf } from './database.js';
import { auditEvents, releases } from './schema.js';

export type ReleaseRow = typeof releases.$inferSelect;
export type AuditRow = typeof auditEvents.$inferSelect;

export function findRelease(db: Reader, version: string): Promise<ReleaseRow | undefined> {
  return queryEither(db, {
    sqlite: (db) => {
      return prepared(db, 'findRelease', () =>
        db
          .select()
          .from(releases)
          .where(eq(releases.versionKey, sql.placeholder('key')))
          .prepare(),
      ).get({ key: versionKey(version) });
    },
    postgres: (h) => h.forms.releases.findRelease(h.pg, version),
  });
}

export function getReleaseById(db: Reader, id: number): Promise<ReleaseRow | undefined> {
  return queryEither(db, {
    sqlite: (db) => {
      return prepared(db, 'getReleaseById', () =>
        db
          .select()
          .from(releases)
          .where(eq(releases.id, sql.placeholder('id')))
          .prepare(),
      ).get({ id });
    },
    postgres: (h) => h.forms.releases.getReleaseById(h.pg, id),
  });
}

export function listReleases(db: Reader, states?: readonly ReleaseState[]): Promise<ReleaseRow[]> {
  return queryEither(db, {
    sqlite: (db) => {
      return prepared(db, `listReleases:${states?.join(',') ?? '*'}`, () => {
        const query = db.select().from(releases);
        const filtered = states ? query.where(inArray(releases.state, [...states])) : query;
        return filtered.orderBy(desc(releases.createdAt), desc(releases.id)).prepare();
      }).all();
    },
    postgres: (h) => h.forms.releases.listReleases(h.pg, states),
  });
}

export function insertRelease(
  tx: Tx,
  values: {
    version: string;
    freezeAt: Date | null;
    shipAt: Date | null;
    createdBy: string;
    at: Date;
  },
): Promise<ReleaseRow> {
  return queryEither(tx, {
    sqlite: (tx) => {
      return tx
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
        .returning()
        .get();
    },
    postgres: (h) => h.forms.releases.insertRelease(h.pg, values),
  });
}

/**
 * Moves a release only if it is still in the state the decision was made from, so two managers racing
 * cannot both win.
 */
export function updateRelease(
  tx: Tx,
  release: Pick<ReleaseRow, 'id' | 'state'>,
  patch: Partial<Omit<ReleaseRow, 'id' | 'version' | 'versionKey' | 'createdAt' | 'createdBy'>> & {
    updatedAt: Date;
  },
): Promise<ReleaseRow> {
  return queryEither(tx, {
    sqlite: (tx) => {
      const updated = tx
        .update(releases)
        .set(patch)
        .where(and(eq(releases.id, release.id), eq(releases.state, release.state)))
        .returning()
        .get();
      if (!updated) throw new Error(`release ${release.id} changed state concurrently`);
      return updated;
    },
    postgres: (h) => h.forms.releases.updateRelease(h.pg, release, patch),
  });
}

/** A new announcement replaces the old one; its permalink follows in a later step. */
export function setAnnouncement(db: Reader, releaseId: number, channel: string, ts: string): Promise<void> {
  return queryEither(db, {
    sqlite: (db) => {
      db.update(releases)
        .set({
          announcementChannel: channel,
          announcementTs: ts,
          announcementPermalink: null,
          announcementProblem: null,
        })
        .where(eq(releases.id, releaseId))
        .run();
    },
    postgres: (h) => h.forms.releases.setAnnouncement(h.pg, releaseId, channel, ts),
  });
}

export function setAnnouncementPermalink(db: Reader, releaseId: number, permalink: string): Promise<void> {
  return queryEither(db, {
    sqlite: (db) => {
      db.update(releases).set({ announcementPermalink: permalink }).where(eq(releases.id, releaseId)).run();
    },
    postgres: (h) => h.forms.releases.setAnnouncementPermalink(h.pg, releaseId, permalink),
  });
}

export function setAnnouncementProblem(db: Reader, releaseId: number, problem: string): Promise<void> {
  return queryEither(db, {
    sqlite: (db) => {
      db.update(releases).set({ announcementProblem: problem }).where(eq(releases.id, releaseId)).run();
    },
    postgres: (h) => h.forms.releases.setAnnouncementProblem(h.pg, releaseId, problem),
  });
}

export function bumpRevision(tx: Tx, releaseId: number, at: Date): Promise<number> {
  return queryEither(tx, {
    sqlite: (tx) => {
      const row = tx
        .update(releases)
        .set({ revision: sql`${releases.revision} + 1`, updatedAt: at })
        .where(eq(releases.id, releaseId))
        .returning({ revision: releases.revision })
        .get();
      if (!row) throw new Error(`release ${releaseId} vanished`);
      return row.revision;
    },
    postgres: (h) => h.forms.releases.bumpRevision(h.pg, releaseId, at),
  });
}

export interface AuditEntry {
  releaseId: number | null;
  actor: string;
  action: string;
  fromState?: string | null;
  toState?: string | null;
  detail?: string | null;
  commandText?: string | null;
  at: Date;
}

export function appendAudit(tx: Reader, entry: AuditEntry): Promise<void> {
  return queryEither(tx, {
    sqlite: (tx) => {
      prepared(tx, 'appendAudit', () =>
        tx
          .insert(auditEvents)
          .values({
            releaseId: sql.placeholder('releaseId'),
            actor: sql.placeholder('actor'),
            action: sql.placeholder('action'),
            fromState: sql.placeholder('fromState'),
            toState: sql.placeholder('toState'),
            detail: sql.placeholder('detail'),
            commandText: sql.placeholder('commandText'),
            at: sql.placeholder('at'),
          })
          .prepare(),
      ).run({
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
    postgres: (h) => h.forms.releases.appendAudit(h.pg, entry),
  });
}

/**
 * Newest first, one page of `pageSize` rows. A page in the older half is read from the oldest end, so
 * the last page costs what the first does, whatever the history.
 */
export function listAudit(
  db: Reader,
  releaseId: number,
  pageSize: number,
  page: number,
  total: number,
): Promise<AuditRow[]> {
  return queryEither(db, {
    sqlite: (db) => {
      const offset = (page - 1) * pageSize;
      if (offset <= total / 2) {
        return prepared(db, 'listAudit', () =>
          db
            .select()
            .from(auditEvents)
            .where(eq(auditEvents.releaseId, sql.placeholder('releaseId')))
            .orderBy(desc(auditEvents.id))
            .limit(sql.placeholder('limit'))
            .offset(sql.placeholder('offset'))
            .prepare(),
        ).all({ releaseId, limit: pageSize, offset });
      }
      const limit = Math.max(0, Math.min(pageSize, total - offset));
      return prepared(db, 'listAuditFromOldest', () =>
        db
          .select()
          .from(auditEvents)
          .where(eq(auditEvents.releaseId, sql.placeholder('releaseId')))
          .orderBy(asc(auditEvents.id))
          .limit(sql.placeholder('limit'))
          .offset(sql.placeholder('offset'))
          .prepare(),
      )
        .all({ releaseId, limit, offset: Math.max(0, total - offset - limit) })
        .reverse();
    },
    postgres: (h) => h.forms.releases.listAudit(h.pg, releaseId, pageSize, page, total),
  });
}

/** Keyset: the `pageSize` entries older than `beforeId`, newest first (constant cost at any depth). */
export function listAuditBefore(
  db: Reader,
  releaseId: number,
  beforeId: number,
  pageSize: number,
): Promise<AuditRow[]> {
  return queryEither(db, {
    sqlite: (db) => {
      return prepared(db, 'listAuditBefore', () =>
        db
          .select()
          .from(auditEvents)
          .where(
            and(
              eq(auditEvents.releaseId, sql.placeholder('releaseId')),
              lt(auditEvents.id, sql.placeholder('before')),
            ),
          )
          .orderBy(desc(auditEvents.id))
          .limit(sql.placeholder('limit'))
          .prepare(),
      ).all({ releaseId, before: beforeId, limit: pageSize });
    },
    postgres: (h) => h.forms.releases.listAuditBefore(h.pg, releaseId, beforeId, pageSize),
  });
}

/**
 * How many audit entries a release has (older than `beforeId`, when given), counting no further than
 * `cap + 1`: a count of a million-row trail would cost what reading it does.
 */
export function countAuditUpTo(
  db: Reader,
  releaseId: number,
  cap: number,
  beforeId?: number,
): Promise<number> {
  return queryEither(db, {
    sqlite: (db) => {
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
      return (
        db
          .select({ n: sql<number>`count(*)` })
          .from(limited)
          .get()?.n ?? 0
      );
    },
    postgres: (h) => h.forms.releases.countAuditUpTo(h.pg, releaseId, cap, beforeId),
  });
}

export function countAudit(db: Reader, releaseId: number): Promise<number> {
  return queryEither(db, {
    sqlite: (db) => {
      return (
        prepared(db, 'countAudit', () =>
          db
            .select({ n: sql<number>`count(*)` })
            .from(auditEvents)
            .where(eq(auditEvents.releaseId, sql.placeholder('releaseId')))
            .prepare(),
        ).get({ releaseId })?.n ?? 0
      );
    },
    postgres: (h) => h.forms.releases.countAudit(h.pg, releaseId),
  });
}

export function setJiraSync(
  db: Reader,
  releaseId: number,
  state: 'pending' | 'done' | 'failed',
): Promise<void> {
  return queryEither(db, {
    sqlite: (db) => {
      db.update(releases).set({ jiraSync: state }).where(eq(releases.id, releaseId)).run();
    },
    postgres: (h) => h.forms.releases.setJiraSync(h.pg, releaseId, state),
  });
}

export function countReleasesByState(db: Reader): Promise<Record<string, number>> {
  return queryEither(db, {
    sqlite: (db) => {
      const rows = db
        .select({ state: releases.state, n: sql<number>`count(*)` })
        .from(releases)
        .groupBy(releases.state)
        .all();
      return Object.fromEntries(rows.map((r) => [r.state, r.n]));
    },
    postgres: (h) => h.forms.releases.countReleasesByState(h.pg),
  });
}

/** Keyset: up to `limit` audit entries of a release after `afterId`, oldest first (the CSV export's batches). */
export function listAuditAfter(
  db: Reader,
  releaseId: number,
  afterId: number,
  limit: number,
): Promise<AuditRow[]> {
  return queryEither(db, {
    sqlite: (db) => {
      return prepared(db, 'listAuditAfter', () =>
        db
          .select()
          .from(auditEvents)
          .where(
            and(
              eq(auditEvents.releaseId, sql.placeholder('releaseId')),
              gt(auditEvents.id, sql.placeholder('after')),
            ),
          )
          .orderBy(asc(auditEvents.id))
          .limit(sql.placeholder('limit'))
          .prepare(),
      ).all({ releaseId, after: afterId, limit });
    },
    postgres: (h) => h.forms.releases.listAuditAfter(h.pg, releaseId, afterId, limit),
  });
}

/** The newest `limit` releases, and how many there are. */
export function listRecentReleases(
  db: Reader,
  limit: number,
): Promise<{ rows: ReleaseRow[]; total: number }> {
  return queryEither(db, {
    sqlite: (db) => {
      const rows = db
        .select()
        .from(releases)
        .orderBy(desc(releases.createdAt), desc(releases.id))
        .limit(limit)
        .all();
      const total =
        db
          .select({ n: sql<number>`count(*)` })
          .from(releases)
          .get()?.n ?? 0;
      return { rows, total };
    },
    postgres: (h) => h.forms.releases.listRecentReleases(h.pg, limit),
  });
}

/** The audit entry of a release's latest freeze: who froze it, when, and the note they gave. */
export function lastFreezeEvent(db: Reader, releaseId: number): Promise<AuditRow | undefined> {
  return queryEither(db, {
    sqlite: (db) => {
      return db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.releaseId, releaseId), eq(auditEvents.action, 'release_frozen')))
        .orderBy(desc(auditEvents.id))
        .limit(1)
        .get();
    },
    postgres: (h) => h.forms.releases.lastFreezeEvent(h.pg, releaseId),
  });
}

/** The PostgreSQL forms of the statements above (src/db/postgres/releases.ts). */
export type ReleasesForms = PostgresFormsOf<{
  findRelease: typeof findRelease;
  getReleaseById: typeof getReleaseById;
  listReleases: typeof listReleases;
  insertRelease: typeof insertRelease;
  updateRelease: typeof updateRelease;
  setAnnouncement: typeof setAnnouncement;
  setAnnouncementPermalink: typeof setAnnouncementPermalink;
  setAnnouncementProblem: typeof setAnnouncementProblem;
  bumpRevision: typeof bumpRevision;
  appendAudit: typeof appendAudit;
  listAudit: typeof listAudit;
  listAuditBefore: typeof listAuditBefore;
  countAuditUpTo: typeof countAuditUpTo;
  countAudit: typeof countAudit;
  setJiraSync: typeof setJiraSync;
  countReleasesByState: typeof countReleasesByState;
  listAuditAfter: typeof listAuditAfter;
  listRecentReleases: typeof listRecentReleases;
  lastFreezeEvent: typeof lastFreezeEvent;
}>;
