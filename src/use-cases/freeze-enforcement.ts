import type { Reader } from '../db/database.js';
import { admitImages, listAdmittedImages } from '../db/candidate.js';
import { appendAudit, listReleases, type ReleaseRow } from '../db/releases.js';
import { isImageReference } from '../domain/candidate.js';
import { AppError } from '../domain/errors.js';
import {
  renderFreezeParameter,
  type EnforcementMode,
  type FreezeParameter,
} from '../domain/freeze-parameter.js';
import { isFrozen } from '../domain/release.js';
import { SERVICE_NAME } from '../domain/gate.js';
import type { Access, Actor, Clock, FreezeEnforcement } from './ports.js';
import type { Store } from '../db/database.js';
import type { Logger } from '../logger.js';
import { convergeEnforcement } from './release-lifecycle.js';
import { requireRelease } from './release-lookup.js';

/** The parameter the cluster should hold now: desired state, from the database alone. */
export async function desiredFreezeParameter(
  db: Reader,
  mode: EnforcementMode,
): Promise<FreezeParameter | undefined> {
  const frozen = await listReleases(db, ['frozen', 'signed_off']);
  return renderFreezeParameter({
    mode,
    frozenVersions: frozen.map((r) => r.version),
    admittedImages: (
      await listAdmittedImages(
        db,
        frozen.map((r) => r.id),
      )
    ).map((a) => a.image),
  });
}

export interface AllowDeps {
  store: Store;
  clock: Clock;
  access: Access;
  enforcement?: FreezeEnforcement;
  logger: Logger;
}

/**
 * A manager admits one image for a service by hand (`/release allow`): audited, a late change, and in the
 * admission parameter before the answer. Allowing the same image again changes nothing.
 */
export async function allowImage(
  deps: AllowDeps,
  actor: Actor,
  input: { version?: string; service: string; image: string; reason: string },
): Promise<{ release: ReleaseRow; repeated: boolean }> {
  await deps.access.requireReleaseManager(actor.userId, 'admit images into a frozen release');
  if (!SERVICE_NAME.test(input.service))
    throw new AppError(
      'invalid_input',
      `\`${input.service}\` is not a service name: lowercase letters, digits and -.`,
    );
  if (!isImageReference(input.image))
    throw new AppError(
      'invalid_input',
      `\`${input.image}\` is not an image reference: use one like \`registry.example.com/blog:2.4.1\` or \`…@sha256:<digest>\`.`,
    );
  if (!input.reason.trim())
    throw new AppError('invalid_input', 'Say why: `/release allow <version> <service> <image> <reason>`.');
  const at = deps.clock.now();
  const result = await deps.store.transaction(async (tx) => {
    const release = input.version ? await requireRelease(tx, input.version) : await theFrozenRelease(tx);
    if (!isFrozen(release.state))
      throw new AppError(
        'illegal_transition',
        `${release.version} is not frozen, so no image needs admitting.`,
      );
    const before = (await listAdmittedImages(tx, [release.id])).some(
      (a) => a.service === input.service && a.image === input.image,
    );
    if (before) return { release, repeated: true };
    await admitImages(tx, {
      releaseId: release.id,
      service: input.service,
      images: [input.image],
      source: 'allow',
      actor: actor.userId,
      reason: input.reason.slice(0, 500),
      at,
    });
    await appendAudit(tx, {
      releaseId: release.id,
      actor: actor.userId,
      action: 'image_allowed',
      detail: `${input.service} ${input.image}: ${input.reason}`,
      commandText: actor.commandText,
      at,
    });
    return { release, repeated: false };
  });
  await convergeEnforcement(deps);
  return result;
}

/** The one frozen release, when a command may leave its version out. */
async function theFrozenRelease(db: Reader): Promise<ReleaseRow> {
  const frozen = await listReleases(db, ['frozen', 'signed_off']);
  if (frozen.length === 1) return frozen[0]!;
  throw new AppError(
    'invalid_input',
    frozen.length === 0
      ? 'No release is frozen, so no image needs admitting.'
      : `${frozen.map((r) => r.version).join(' and ')} are frozen: name one, e.g. \`/release allow ${frozen[0]!.version} <service> <image> <reason>\`.`,
  );
}
