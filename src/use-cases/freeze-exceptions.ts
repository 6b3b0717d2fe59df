import type { Store } from '../db/database.js';
import {
  decideException as markDecided,
  findException,
  insertException,
  listExceptions,
  type ExceptionRow,
} from '../db/gate.js';
import { appendAudit, getReleaseById, type ReleaseRow } from '../db/releases.js';
import { AppError } from '../domain/errors.js';
import { isFrozen } from '../domain/release.js';
import {
  releaseRef,
  type Access,
  type Actor,
  type Clock,
  type FreezeEnforcement,
  type Outbox,
} from './ports.js';
import { convergeEnforcement } from './release-lifecycle.js';
import { requireRelease } from './release-lookup.js';
import { admitImages } from '../db/candidate.js';
import type { Logger } from '../logger.js';

export interface ExceptionDeps {
  store: Store;
  clock: Clock;
  access: Access;
  outbox: Outbox;
  /** FREEZE_ENFORCEMENT: an approved exception's images reach the admission parameter. */
  enforcement?: FreezeEnforcement;
  logger: Logger;
}

export function requestException(
  deps: ExceptionDeps,
  actor: Actor,
  input: { version: string; issueKey: string; service: string; reason: string; images?: string[] },
): Promise<ExceptionRow> {
  const at = deps.clock.now();
  return deps.store.transaction(async (tx) => {
    const release = await requireRelease(tx, input.version);
    if (!isFrozen(release.state)) {
      throw new AppError(
        'illegal_transition',
        `${release.version} is not frozen, so changes need no exception.`,
      );
    }
    const exception = await insertException(tx, {
      releaseId: release.id,
      issueKey: input.issueKey,
      service: input.service,
      reason: input.reason.slice(0, 1000),
      requestedBy: actor.userId,
      state: 'pending',
      createdAt: at,
      images: input.images?.length ? input.images : null,
    });
    await appendAudit(tx, {
      releaseId: release.id,
      actor: actor.userId,
      action: 'exception_requested',
      detail: `#${exception.id} ${input.issueKey} for ${input.service}: ${input.reason}${input.images?.length ? ` [images: ${input.images.join(' ')}]` : ''}`,
      commandText: actor.commandText,
      at,
    });
    await deps.outbox.enqueue(tx, {
      kind: 'exception_requested',
      release: releaseRef(release),
      exceptionId: exception.id,
    });
    return exception;
  });
}

export async function decideException(
  deps: ExceptionDeps,
  actor: Actor,
  input: { id: number; decision: 'approved' | 'denied' },
): Promise<{ exception: ExceptionRow; release: ReleaseRow }> {
  await deps.access.requireReleaseManager(actor.userId, 'approve or deny freeze exceptions');
  const at = deps.clock.now();
  const decided = await deps.store.transaction(async (tx) => {
    const current = await findException(tx, input.id);
    if (!current) throw new AppError('not_found', 'That exception request no longer exists.');
    const release = await getReleaseById(tx, current.releaseId);
    if (!release) throw new AppError('not_found', 'That release no longer exists.');
    const decided = await markDecided(tx, input.id, input.decision, actor.userId, at);
    if (!decided) {
      throw new AppError(
        'illegal_transition',
        `Exception #${current.id} was already ${current.state} by <@${current.decidedBy ?? '?'}>.`,
      );
    }
    await appendAudit(tx, {
      releaseId: release.id,
      actor: actor.userId,
      action: input.decision === 'approved' ? 'exception_approved' : 'exception_denied',
      detail: `#${decided.id} ${decided.issueKey} for ${decided.service}`,
      at,
    });
    if (input.decision === 'approved' && decided.images?.length) {
      await admitImages(tx, {
        releaseId: release.id,
        service: decided.service,
        images: decided.images,
        source: 'exception',
        actor: actor.userId,
        reason: `exception #${decided.id}`,
        at,
      });
    }
    await deps.outbox.enqueue(tx, {
      kind: 'exception_decided',
      release: releaseRef(release),
      exceptionId: decided.id,
    });
    return { exception: decided, release };
  });
  if (decided.exception.images?.length) await convergeEnforcement(deps);
  return decided;
}

export async function exceptionsOf(
  deps: Pick<ExceptionDeps, 'store'>,
  version: string,
): Promise<{ release: ReleaseRow; exceptions: ExceptionRow[] }> {
  const release = await requireRelease(deps.store, version);
  return { release, exceptions: await listExceptions(deps.store, release.id) };
}
