import { deleteDevenvRow, findDevenv, listRoutedDevenvs, setDevenvState, toDevenv } from '../db/devenvs.js';
import { appendAudit } from '../db/releases.js';
import type { Tx } from '../db/database.js';
import { type Devenv } from '../domain/devenv/model.js';
import { AppError } from '../domain/errors.js';
import type { Actor } from './ports.js';
import { describeEnv, hostsOf, requireDevenvControl, scopeOf, type DevenvDeps } from './devenvs.js';

/** Removes an environment's routes, then its record. */
export async function removeDevenv(
  deps: DevenvDeps,
  actor: Actor,
  name: string,
  reason: 'deleted' | 'expired' | 'unsafe_target',
  /** What else the removal writes in its transaction (the owner's DM). */
  alsoInTransaction?: (tx: Tx, env: Devenv) => Promise<void>,
): Promise<Devenv | undefined> {
  const row = await findDevenv(deps.store, name);
  if (!row) throw new AppError('not_found', `There is no environment \`${name}\`.`);
  const env = toDevenv(row);
  return deps.locks.withHosts(hostsOf(env), async () => {
    // The reaper decided from an older read: an extend that committed since then wins.
    const current = await findDevenv(deps.store, name);
    if (!current) return undefined;
    if (reason === 'expired' && current.expiresAt > deps.clock.now()) return undefined;
    await setDevenvState(deps.store, name, 'deleting');
    if (deps.cluster && !deps.dryRunReason) {
      const others = (await listRoutedDevenvs(deps.store)).map(toDevenv);
      await deps.cluster.applier.converge(others, scopeOf(env));
    }
    deps.faults?.afterClusterWrite?.('delete', name);
    const at = deps.clock.now();
    await deps.store.transaction(async (tx) => {
      await deleteDevenvRow(tx, name);
      await appendAudit(tx, {
        releaseId: null,
        actor: actor.userId,
        action: reason === 'deleted' ? 'devenv_deleted' : `devenv_${reason}`,
        detail: describeEnv(env),
        commandText: actor.commandText,
        at,
      });
      await alsoInTransaction?.(tx, env);
    });
    return env;
  });
}

export async function deleteDevenv(deps: DevenvDeps, actor: Actor, name: string): Promise<Devenv> {
  const row = await requireDevenvControl(deps, actor, name, 'delete');
  const removed = await removeDevenv(deps, actor, row.name, 'deleted');
  if (!removed) throw new AppError('not_found', `\`${row.name}\` was removed meanwhile.`);
  return removed;
}
