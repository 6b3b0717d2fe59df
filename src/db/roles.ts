import { asc, eq, sql } from '../vendor/drizzle.js';
import type { SignoffRole } from '../domain/signoff.js';
import { type Reader, type Tx, queryEither, type PostgresFormsOf } from './database.js';
import { signoffRoles } from './schema.js';

export function listRoles(db: Reader): Promise<SignoffRole[]> {
  return queryEither(db, {
    sqlite: (db) => {
      return db
        .select({ name: signoffRoles.name, members: signoffRoles.members, quorum: signoffRoles.quorum })
        .from(signoffRoles)
        .orderBy(asc(signoffRoles.name))
        .all();
    },
    postgres: (h) => h.forms.roles.listRoles(h.pg),
  });
}

export function upsertRole(tx: Tx, role: SignoffRole, updatedBy: string, at: Date): Promise<void> {
  return queryEither(tx, {
    sqlite: (tx) => {
      tx.insert(signoffRoles)
        .values({ ...role, updatedBy, updatedAt: at })
        .onConflictDoUpdate({
          target: signoffRoles.name,
          set: { members: role.members, quorum: role.quorum, updatedBy, updatedAt: at },
        })
        .run();
    },
    postgres: (h) => h.forms.roles.upsertRole(h.pg, role, updatedBy, at),
  });
}

export function deleteRole(tx: Tx, name: string): Promise<boolean> {
  return queryEither(tx, {
    sqlite: (tx) => {
      return tx.delete(signoffRoles).where(eq(signoffRoles.name, name)).run().changes > 0;
    },
    postgres: (h) => h.forms.roles.deleteRole(h.pg, name),
  });
}

export function countRoles(db: Reader): Promise<number> {
  return queryEither(db, {
    sqlite: (db) => {
      return (
        db
          .select({ n: sql<number>`count(*)` })
          .from(signoffRoles)
          .get()?.n ?? 0
      );
    },
    postgres: (h) => h.forms.roles.countRoles(h.pg),
  });
}

/** The PostgreSQL forms of the statements above (src/db/postgres/roles.ts). */
export type RolesForms = PostgresFormsOf<{
  listRoles: typeof listRoles;
  upsertRole: typeof upsertRole;
  deleteRole: typeof deleteRole;
  countRoles: typeof countRoles;
}>;
