import { appendAudit } from '../db/releases.js';
import { countRoles, deleteRole, listRoles, upsertRole } from '../db/roles.js';
import { AppError } from '../domain/errors.js';
import { parseRoleSeed, type SignoffRole } from '../domain/signoff.js';
import type { LifecycleDeps } from './release-lifecycle.js';
import type { Actor } from './ports.js';

export async function setSignoffRole(
  deps: LifecycleDeps,
  actor: Actor,
  role: SignoffRole,
): Promise<SignoffRole> {
  await deps.access.requireReleaseManager(actor.userId, 'manage sign-off roles');
  const at = deps.clock.now();
  await deps.store.transaction(async (tx) => {
    await upsertRole(tx, role, actor.userId, at);
    await appendAudit(tx, {
      releaseId: null,
      actor: actor.userId,
      action: 'role_set',
      detail: `${role.name}: ${role.members.join(', ')} (quorum ${role.quorum})`,
      commandText: actor.commandText,
      at,
    });
  });
  return role;
}

export async function removeSignoffRole(deps: LifecycleDeps, actor: Actor, name: string): Promise<void> {
  await deps.access.requireReleaseManager(actor.userId, 'manage sign-off roles');
  const at = deps.clock.now();
  await deps.store.transaction(async (tx) => {
    if (!(await deleteRole(tx, name))) {
      throw new AppError(
        'not_found',
        `There is no sign-off role \`${name}\`. \`/release role list\` shows them.`,
      );
    }
    await appendAudit(tx, {
      releaseId: null,
      actor: actor.userId,
      action: 'role_removed',
      detail: name,
      commandText: actor.commandText,
      at,
    });
  });
}

export function signoffRoles(deps: Pick<LifecycleDeps, 'store'>): Promise<SignoffRole[]> {
  return listRoles(deps.store);
}

/** SIGNOFF_ROLES applies only to an empty table: roles edited in Slack are never overwritten by a restart. */
export function seedSignoffRoles(
  deps: Pick<LifecycleDeps, 'store' | 'clock'>,
  seed: string | undefined,
): Promise<number> {
  if (!seed) return Promise.resolve(0);
  const roles = parseRoleSeed(seed);
  const at = deps.clock.now();
  return deps.store.transaction(async (tx) => {
    if ((await countRoles(tx)) > 0) return 0;
    for (const role of roles) await upsertRole(tx, role, 'SIGNOFF_ROLES', at);
    return roles.length;
  });
}
