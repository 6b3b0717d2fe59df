import { setDevenvExpiry } from '../db/devenvs.js';
import { appendAudit } from '../db/releases.js';
import { formatDuration } from '../domain/duration.js';
import { AppError } from '../domain/errors.js';
import type { Actor } from './ports.js';
import { requireDevenvControl, type DevenvDeps } from './devenvs.js';

export async function extendDevenv(
  deps: DevenvDeps,
  actor: Actor,
  name: string,
  seconds: number,
): Promise<Date> {
  const row = await requireDevenvControl(deps, actor, name, 'extend');
  const now = deps.clock.now().getTime();
  const expiresAt = new Date(Math.max(row.expiresAt.getTime(), now) + seconds * 1000);
  if (expiresAt.getTime() - now > deps.settings.ttlMaxSeconds * 1000) {
    throw new AppError(
      'invalid_input',
      `That would keep \`${row.name}\` for longer than the maximum of ${formatDuration(deps.settings.ttlMaxSeconds)} from now.`,
    );
  }
  setDevenvExpiry(deps.db, row.name, expiresAt);
  appendAudit(deps.db, {
    releaseId: null,
    actor: actor.userId,
    action: 'devenv_extended',
    detail: `${row.name} until ${expiresAt.toISOString()}`,
    commandText: actor.commandText,
    at: new Date(now),
  });
  return expiresAt;
}
