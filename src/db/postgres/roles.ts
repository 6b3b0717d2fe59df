// The sign-off roles' statements on PostgreSQL (the SQLite forms are in src/db/roles.ts).
import { asc, eq, sql } from '../../vendor/drizzle.js';
import type { RolesForms } from '../roles.js';
import { signoffRoles } from './schema.js';

export const rolesForms: RolesForms = {
  async listRoles(db) {
    return await db
      .select({ name: signoffRoles.name, members: signoffRoles.members, quorum: signoffRoles.quorum })
      .from(signoffRoles)
      .orderBy(asc(signoffRoles.name));
  },

  async upsertRole(db, role, updatedBy, at) {
    await db
      .insert(signoffRoles)
      .values({ ...role, updatedBy, updatedAt: at })
      .onConflictDoUpdate({
        target: signoffRoles.name,
        set: { members: role.members, quorum: role.quorum, updatedBy, updatedAt: at },
      });
  },

  async deleteRole(db, name) {
    const removed = await db
      .delete(signoffRoles)
      .where(eq(signoffRoles.name, name))
      .returning({ name: signoffRoles.name });
    return removed.length > 0;
  },

  async countRoles(db) {
    const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(signoffRoles);
    return row?.n ?? 0;
  },
};
