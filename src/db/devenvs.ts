import { and, asc, eq, lte, ne, sql } from '../vendor/drizzle.js';
import type { Devenv } from '../domain/devenv/model.js';
import { prepared, query, type Reader, type Tx } from './database.js';
import { devenvs } from './schema.js';

export type DevenvRow = typeof devenvs.$inferSelect;

export function toDevenv(row: DevenvRow): Devenv {
  return { name: row.name, owner: row.owner, overrides: row.overrides, expiresAt: row.expiresAt };
}

export function countLiveDevenvs(db: Reader): Promise<number> {
  return query(db, (db) => {
    return (
      prepared(db, 'countLiveDevenvs', () =>
        db
          .select({ n: sql<number>`count(*)` })
          .from(devenvs)
          .where(ne(devenvs.state, 'deleting'))
          .prepare(),
      ).get()?.n ?? 0
    );
  });
}

export function countDevenvsOf(db: Reader, owner: string): Promise<number> {
  return query(db, (db) => {
    return (
      db
        .select({ n: sql<number>`count(*)` })
        .from(devenvs)
        .where(and(eq(devenvs.owner, owner), ne(devenvs.state, 'deleting')))
        .get()?.n ?? 0
    );
  });
}

export function findDevenv(db: Reader, name: string): Promise<DevenvRow | undefined> {
  return query(db, (db) => {
    return db.select().from(devenvs).where(eq(devenvs.name, name)).get();
  });
}

/** The environments whose routes belong in the cluster: live ones and ones being applied. */
export function listRoutedDevenvs(db: Reader): Promise<DevenvRow[]> {
  return query(db, (db) => {
    return db.select().from(devenvs).where(ne(devenvs.state, 'deleting')).orderBy(asc(devenvs.name)).all();
  });
}

export function listAllDevenvs(db: Reader, owner?: string): Promise<DevenvRow[]> {
  return query(db, (db) => {
    const query = db.select().from(devenvs);
    return (owner ? query.where(eq(devenvs.owner, owner)) : query).orderBy(asc(devenvs.expiresAt)).all();
  });
}

export function insertDevenv(tx: Tx, row: Omit<DevenvRow, 'id' | 'warnedAt'>): Promise<DevenvRow> {
  return query(tx, (tx) => {
    return tx.insert(devenvs).values(row).returning().get();
  });
}

export function setDevenvState(db: Reader, name: string, state: DevenvRow['state']): Promise<void> {
  return query(db, (db) => {
    db.update(devenvs).set({ state }).where(eq(devenvs.name, name)).run();
  });
}

export function deleteDevenvRow(db: Reader, name: string): Promise<void> {
  return query(db, (db) => {
    db.delete(devenvs).where(eq(devenvs.name, name)).run();
  });
}

export function setDevenvExpiry(db: Reader, name: string, expiresAt: Date): Promise<void> {
  return query(db, (db) => {
    db.update(devenvs).set({ expiresAt, warnedAt: null }).where(eq(devenvs.name, name)).run();
  });
}

export function markWarned(db: Reader, name: string, at: Date): Promise<void> {
  return query(db, (db) => {
    db.update(devenvs).set({ warnedAt: at }).where(eq(devenvs.name, name)).run();
  });
}

export function listExpiredDevenvs(db: Reader, now: Date): Promise<DevenvRow[]> {
  return query(db, (db) => {
    return db.select().from(devenvs).where(lte(devenvs.expiresAt, now)).all();
  });
}
