import { findDevenv, setDevenvExpiry, toDevenv } from '../db/devenvs.js';
import { appendAudit } from '../db/releases.js';
import { formatDuration } from '../domain/duration.js';
import { AppError } from '../domain/errors.js';
import type { Actor } from './ports.js';
import { hostsOf, requireDevenvControl, type DevenvDeps } from './devenvs.js';

/**
 * Moves an environment's expiry. It runs under the environment's host locks and re-reads the row in one
 * transaction, so it cannot say "now lives until …" about an environment the reaper is taking down: either
 * the extend commits first (and the reaper, re-reading, leaves it), or it finds the environment gone.
 */
export async function extendDevenv(
  deps: DevenvDeps,
  actor: Actor,
  name: string,
  seconds: number,
): Promise<Date> {
  const row = await requireDevenvControl(deps, actor, name, 'extend');
  return deps.locks.withHosts(hostsOf(toDevenv(row)), async () =>
    Promise.resolve(
      await deps.store.transaction(async (tx) => {
        const current = await findDevenv(tx, name);
        if (!current || current.state === 'deleting') {
          throw new AppError(
            'not_found',
            `\`${name}\` is gone: it expired or was deleted. \`/devenv list\` shows what you have.`,
          );
        }
        const now = deps.clock.now().getTime();
        const expiresAt = new Date(Math.max(current.expiresAt.getTime(), now) + seconds * 1000);
        if (expiresAt.getTime() - now > deps.settings.ttlMaxSeconds * 1000) {
          throw new AppError(
            'invalid_input',
            `That would keep \`${current.name}\` for longer than the maximum of ${formatDuration(deps.settings.ttlMaxSeconds)} from now.`,
          );
        }
        await setDevenvExpiry(tx, current.name, expiresAt);
        await appendAudit(tx, {
          releaseId: null,
          actor: actor.userId,
          action: 'devenv_extended',
          detail: `${current.name} until ${expiresAt.toISOString()}`,
          commandText: actor.commandText,
          at: new Date(now),
        });
        return expiresAt;
      }),
    ),
  );
}
