import { asc, eq, sql } from '../vendor/drizzle.js';
import type { SignoffRole } from '../domain/signoff.js';
import { query, type Reader, type Tx } from './database.js';
import { signoffRoles } from './schema.js';

export function listRoles(db: Reader): Promise<SignoffRole[]> {
  return query(db, (db) => {
    return db
      .select({ name: signoffRoles.name, members: signoffRoles.members, quorum: signoffRoles.quorum })
      .from(signoffRoles)
      .orderBy(asc(signoffRoles.name))
      .all();
  });
}

export function upsertRole(tx: Tx, role: SignoffRole, updatedBy: string, at: Date): Promise<void> {
  return query(tx, (tx) => {
    tx.insert(signoffRoles)
      .values({ ...role, updatedBy, updatedAt: at })
      .onConflictDoUpdate({
        target: signoffRoles.name,
        set: { members: role.members, quorum: role.quorum, updatedBy, updatedAt: at },
      })
      .run();
  });
}

export function deleteRole(tx: Tx, name: string): Promise<boolean> {
  return query(tx, (tx) => {
    return tx.delete(signoffRoles).where(eq(signoffRoles.name, name)).run().changes > 0;
  });
}

export function countRoles(db: Reader): Promise<number> {
  return query(db, (db) => {
    return (
      db
        .select({ n: sql<number>`count(*)` })
        .from(signoffRoles)
        .get()?.n ?? 0
    );
  });
}
