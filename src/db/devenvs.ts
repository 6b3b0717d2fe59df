import { and, asc, eq, lte, ne, sql } from '../vendor/drizzle.js';
import type { Devenv } from '../domain/devenv/model.js';
import { prepared, type Reader, type Tx, queryEither, type PostgresFormsOf } from './database.js';
import { devenvs } from './schema.js';

export type DevenvRow = typeof devenvs.$inferSelect;

export function toDevenv(row: DevenvRow): Devenv {
  return { name: row.name, owner: row.owner, overrides: row.overrides, expiresAt: row.expiresAt };
}

export function countLiveDevenvs(db: Reader): Promise<number> {
  return queryEither(db, {
    sqlite: (db) => {
      return (
        prepared(db, 'countLiveDevenvs', () =>
          db
            .select({ n: sql<number>`count(*)` })
            .from(devenvs)
            .where(ne(devenvs.state, 'deleting'))
            .prepare(),
        ).get()?.n ?? 0
      );
    },
    postgres: (h) => h.forms.devenvs.countLiveDevenvs(h.pg),
  });
}

export function countDevenvsOf(db: Reader, owner: string): Promise<number> {
  return queryEither(db, {
    sqlite: (db) => {
      return (
        db
          .select({ n: sql<number>`count(*)` })
          .from(devenvs)
          .where(and(eq(devenvs.owner, owner), ne(devenvs.state, 'deleting')))
          .get()?.n ?? 0
      );
    },
    postgres: (h) => h.forms.devenvs.countDevenvsOf(h.pg, owner),
  });
}

export function findDevenv(db: Reader, name: string): Promise<DevenvRow | undefined> {
  return queryEither(db, {
    sqlite: (db) => {
      return db.select().from(devenvs).where(eq(devenvs.name, name)).get();
    },
    postgres: (h) => h.forms.devenvs.findDevenv(h.pg, name),
  });
}

/** The environments whose routes belong in the cluster: live ones and ones being applied. */
export function listRoutedDevenvs(db: Reader): Promise<DevenvRow[]> {
  return queryEither(db, {
    sqlite: (db) => {
      return db.select().from(devenvs).where(ne(devenvs.state, 'deleting')).orderBy(asc(devenvs.name)).all();
    },
    postgres: (h) => h.forms.devenvs.listRoutedDevenvs(h.pg),
  });
}

export function listAllDevenvs(db: Reader, owner?: string): Promise<DevenvRow[]> {
  return queryEither(db, {
    sqlite: (db) => {
      const query = db.select().from(devenvs);
      return (owner ? query.where(eq(devenvs.owner, owner)) : query).orderBy(asc(devenvs.expiresAt)).all();
    },
    postgres: (h) => h.forms.devenvs.listAllDevenvs(h.pg, owner),
  });
}

export function insertDevenv(tx: Tx, row: Omit<DevenvRow, 'id' | 'warnedAt'>): Promise<DevenvRow> {
  return queryEither(tx, {
    sqlite: (tx) => {
      return tx.insert(devenvs).values(row).returning().get();
    },
    postgres: (h) => h.forms.devenvs.insertDevenv(h.pg, row),
  });
}

export function setDevenvState(db: Reader, name: string, state: DevenvRow['state']): Promise<void> {
  return queryEither(db, {
    sqlite: (db) => {
      db.update(devenvs).set({ state }).where(eq(devenvs.name, name)).run();
    },
    postgres: (h) => h.forms.devenvs.setDevenvState(h.pg, name, state),
  });
}

export function deleteDevenvRow(db: Reader, name: string): Promise<void> {
  return queryEither(db, {
    sqlite: (db) => {
      db.delete(devenvs).where(eq(devenvs.name, name)).run();
    },
    postgres: (h) => h.forms.devenvs.deleteDevenvRow(h.pg, name),
  });
}

export function setDevenvExpiry(db: Reader, name: string, expiresAt: Date): Promise<void> {
  return queryEither(db, {
    sqlite: (db) => {
      db.update(devenvs).set({ expiresAt, warnedAt: null }).where(eq(devenvs.name, name)).run();
    },
    postgres: (h) => h.forms.devenvs.setDevenvExpiry(h.pg, name, expiresAt),
  });
}

export function markWarned(db: Reader, name: string, at: Date): Promise<void> {
  return queryEither(db, {
    sqlite: (db) => {
      db.update(devenvs).set({ warnedAt: at }).where(eq(devenvs.name, name)).run();
    },
    postgres: (h) => h.forms.devenvs.markWarned(h.pg, name, at),
  });
}

export function listExpiredDevenvs(db: Reader, now: Date): Promise<DevenvRow[]> {
  return queryEither(db, {
    sqlite: (db) => {
      return db.select().from(devenvs).where(lte(devenvs.expiresAt, now)).all();
    },
    postgres: (h) => h.forms.devenvs.listExpiredDevenvs(h.pg, now),
  });
}

/** The PostgreSQL forms of the statements above (src/db/postgres/devenvs.ts). */
export type DevenvsForms = PostgresFormsOf<{
  countLiveDevenvs: typeof countLiveDevenvs;
  countDevenvsOf: typeof countDevenvsOf;
  findDevenv: typeof findDevenv;
  listRoutedDevenvs: typeof listRoutedDevenvs;
  listAllDevenvs: typeof listAllDevenvs;
  insertDevenv: typeof insertDevenv;
  setDevenvState: typeof setDevenvState;
  deleteDevenvRow: typeof deleteDevenvRow;
  setDevenvExpiry: typeof setDevenvExpiry;
  markWarned: typeof markWarned;
  listExpiredDevenvs: typeof listExpiredDevenvs;
}>;
