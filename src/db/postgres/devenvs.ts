// Developer environments on PostgreSQL (the SQLite forms are in src/db/devenvs.ts).
import { and, asc, eq, lte, ne, sql } from '../../vendor/drizzle.js';
import type { DevenvsForms } from '../devenvs.js';
import { devenvs } from './schema.js';

const count = sql<number>`count(*)::int`;

export const devenvsForms: DevenvsForms = {
  async countLiveDevenvs(db) {
    const [row] = await db.select({ n: count }).from(devenvs).where(ne(devenvs.state, 'deleting'));
    return row?.n ?? 0;
  },

  async countDevenvsOf(db, owner) {
    const [row] = await db
      .select({ n: count })
      .from(devenvs)
      .where(and(eq(devenvs.owner, owner), ne(devenvs.state, 'deleting')));
    return row?.n ?? 0;
  },

  async findDevenv(db, name) {
    const [row] = await db.select().from(devenvs).where(eq(devenvs.name, name));
    return row;
  },

  async listRoutedDevenvs(db) {
    return db.select().from(devenvs).where(ne(devenvs.state, 'deleting')).orderBy(asc(devenvs.name));
  },

  async listAllDevenvs(db, owner) {
    const query = db.select().from(devenvs);
    return (owner ? query.where(eq(devenvs.owner, owner)) : query).orderBy(asc(devenvs.expiresAt));
  },

  /** The unique name is the claim: of two creations of one name, the second fails on the constraint. */
  async insertDevenv(db, row) {
    const [inserted] = await db.insert(devenvs).values(row).returning();
    return inserted!;
  },

  async setDevenvState(db, name, state) {
    await db.update(devenvs).set({ state }).where(eq(devenvs.name, name));
  },

  async deleteDevenvRow(db, name) {
    await db.delete(devenvs).where(eq(devenvs.name, name));
  },

  async setDevenvExpiry(db, name, expiresAt) {
    await db.update(devenvs).set({ expiresAt, warnedAt: null }).where(eq(devenvs.name, name));
  },

  async markWarned(db, name, at) {
    await db.update(devenvs).set({ warnedAt: at }).where(eq(devenvs.name, name));
  },

  async listExpiredDevenvs(db, now) {
    return db.select().from(devenvs).where(lte(devenvs.expiresAt, now));
  },
};
