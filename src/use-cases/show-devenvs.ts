import { findDevenv, listAllDevenvs, listRoutedDevenvs, toDevenv } from '../db/devenvs.js';
import { type Devenv, type Override } from '../domain/devenv/model.js';
import { MANAGED_BY, MANAGED_BY_LABEL, type KubeObject } from '../domain/devenv/objects.js';
import { routeName } from '../domain/devenv/render-istio.js';
import type { ObservedObject } from './ports.js';
import type { Actor } from './ports.js';
import {
  objectsOf,
  requireDevenvControl,
  targetStatuses,
  type DevenvDeps,
  type TargetStatus,
} from './devenvs.js';

export async function listDevenvs(deps: Pick<DevenvDeps, 'store'>, owner?: string): Promise<Devenv[]> {
  return (await listAllDevenvs(deps.store, owner)).filter((r) => r.state !== 'deleting').map(toDevenv);
}

export interface DevenvDetails {
  env: Devenv;
  objects: (KubeObject | ObservedObject)[];
  observed: boolean;
  targets: (TargetStatus & { override: Override })[];
}

export async function showDevenv(deps: DevenvDeps, actor: Actor, name: string): Promise<DevenvDetails> {
  const row = await requireDevenvControl(deps, actor, name, 'see the objects of');
  const env = toDevenv(row);
  if (!deps.cluster || deps.dryRunReason) {
    return {
      env,
      objects: objectsOf(deps.render((await listRoutedDevenvs(deps.store)).map(toDevenv)), env),
      observed: false,
      targets: [],
    };
  }
  const cluster = deps.cluster;
  const [objects, targets] = await Promise.all([
    cluster.applier.observedFor(env.name),
    targetStatuses(cluster, env),
  ]);
  return { env, objects: objects.map((o) => onlyOurRoutes(o, env.name)), observed: true, targets };
}

/** A foreign VirtualService shows only this environment's route: the rest is someone else's business. */
function onlyOurRoutes(object: ObservedObject, env: string): ObservedObject {
  if (object.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY) return object;
  const http = Array.isArray(object.spec.http) ? (object.spec.http as { name?: unknown }[]) : [];
  return {
    ...object,
    metadata: {
      name: object.metadata.name,
      namespace: object.metadata.namespace,
      labels: object.metadata.labels,
    },
    spec: { hosts: object.spec.hosts, http: http.filter((r) => r.name === routeName(env)) },
  };
}

/** Whether the environment still exists (a readiness watch stops when it is gone). */
export async function devenvExists(deps: Pick<DevenvDeps, 'store'>, name: string): Promise<boolean> {
  return (await findDevenv(deps.store, name)) !== undefined;
}
