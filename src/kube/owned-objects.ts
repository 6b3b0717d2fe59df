import {
  INSTANCE_LABEL,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  ownershipOf,
  sameJson,
  type KubeObject,
} from '../domain/devenv/objects.js';
import { AppError } from '../domain/errors.js';
import type { KubeCluster, ObservedObject } from './cluster.js';

/**
 * Never adopt what is not ours: a server-side apply with force would take over someone else's object of the
 * same name. Refuse, and leave it exactly as it is. An object from before installation ids that our own
 * environments name is ours to label.
 */
export function refuseToAdopt(
  desired: KubeObject,
  observed: ObservedObject | undefined,
  instance: string | undefined,
): void {
  if (!observed) return;
  const owner = ownershipOf(observed.metadata.labels, instance);
  if (owner === 'ours' || owner === 'legacy') return;
  const what = `${desired.kind} ${desired.metadata.namespace}/${desired.metadata.name}`;
  throw new AppError(
    'conflict',
    owner === 'another-installation'
      ? `${what} belongs to another release-bot installation (${INSTANCE_LABEL}=${observed.metadata.labels?.[INSTANCE_LABEL] ?? ''}), so this one leaves it alone. Two installations cannot route the same service in one namespace.`
      : `${what} already exists and is not managed by release-bot (no ${MANAGED_BY_LABEL}=${MANAGED_BY} label), so release-bot leaves it alone. Ask its owner to rename or remove it.`,
  );
}

/**
 * Writes a desired object: an update of one we have seen is a server-side apply; a new one is a create, which
 * the API server refuses when someone made an object of that name since we looked. That object is then
 * judged like any other we found, and never taken over.
 */
export async function writeOwned(
  cluster: KubeCluster,
  object: KubeObject,
  observed: ObservedObject | undefined,
  instance: string | undefined,
): Promise<void> {
  if (observed) {
    await cluster.apply(object);
    return;
  }
  try {
    await cluster.create(object);
  } catch (error) {
    if (!(error instanceof AppError) || error.reason !== 'conflict') throw error;
    const { apiVersion, kind, metadata } = object;
    const appeared = await cluster.get(apiVersion, kind, metadata.namespace, metadata.name);
    refuseToAdopt(object, appeared, instance);
    await cluster.apply(object);
  }
}

/** Whether an observed object already says everything the desired one says. */
export function upToDate(desired: KubeObject, observed: ObservedObject | undefined): boolean {
  if (!observed) return false;
  const labels = observed.metadata.labels ?? {};
  return (
    sameJson(desired.spec, observed.spec) &&
    Object.entries(desired.metadata.labels).every(([k, v]) => labels[k] === v)
  );
}
