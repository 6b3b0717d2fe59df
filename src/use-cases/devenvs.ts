import type { Store } from '../db/database.js';
import { findDevenv, type DevenvRow } from '../db/devenvs.js';
import { parseEnvName, type Devenv, type Override } from '../domain/devenv/model.js';
import { type KubeObject } from '../domain/devenv/objects.js';
import { AppError } from '../domain/errors.js';
import type { Logger } from '../logger.js';
import type { ConvergeScope, RouteApplier } from './ports.js';
import type { HostLocks } from '../support/host-locks.js';
import { type DevenvPolicy } from '../domain/devenv/policy.js';
import { unsafeAddress } from '../domain/devenv/addresses.js';
import type { Access, HostResolver } from './ports.js';
import type { Actor, Clock } from './ports.js';

export interface DevenvSettings {
  namespaceTemplate: string;
  ttlDefaultSeconds: number;
  ttlMaxSeconds: number;
  maxPerUser: number;
  maxTotal: number;
  preprodNamespace: string;
  serviceSelector: string | undefined;
}

export interface TargetStatus {
  exists: boolean;
  /** Ready endpoints behind the target; undefined where that cannot be known (external targets). */
  readyEndpoints: number | undefined;
}

/** What /devenv needs from the cluster; absent when no cluster is reachable. */
export interface DevenvCluster {
  applier: RouteApplier;
  catalogue(): Promise<string[]>;
  targetStatus(env: string, override: Override): Promise<TargetStatus>;
}

export interface DevenvDeps {
  store: Store;
  clock: Clock;
  access: Access;
  settings: DevenvSettings;
  cluster: DevenvCluster | undefined;
  /** Why nothing is applied (no cluster, or DEVENV_MODE=dry-run); undefined when changes are applied. */
  dryRunReason: string | undefined;
  render: (envs: readonly Devenv[]) => KubeObject[];
  /** Gateway API has no portable way to route to an endpoint outside the cluster. */
  supportsExternalTargets: boolean;
  randomSuffix: () => string;
  logger: Logger;
  /** Who may create and where routes may point. */
  policy: DevenvPolicy;
  /** Where outside targets resolve: each must be a public address (checked at create and at reconcile). */
  resolver: HostResolver;
  /** Cluster changes per host: two environments touching one VirtualService must not interleave. */
  locks: HostLocks;
  /** Test seam: simulates a crash between the cluster write and the database commit. */
  faults?: { afterClusterWrite?: (phase: 'create' | 'delete', env: string) => void };
}

export function scopeOf(env: Devenv): ConvergeScope {
  return { services: new Set(env.overrides.map((o) => o.service)), envs: new Set([env.name]) };
}

export function objectsOf(objects: KubeObject[], env: Devenv): KubeObject[] {
  const services = new Set(env.overrides.map((o) => o.service));
  return objects.filter(
    (o) =>
      o.metadata.labels['release-bot.io/devenv'] === env.name ||
      services.has(o.metadata.labels['release-bot.io/service'] ?? ''),
  );
}

/** The pre-prod hosts an environment routes: what its cluster work must hold. */
export function hostsOf(env: Devenv): string[] {
  return env.overrides.map((o) => o.service);
}

export function describeEnv(env: Devenv): string {
  return `${env.name}: ${env.overrides.map((o) => o.service).join(', ')}`;
}

export async function requireDevenvControl(
  deps: DevenvDeps,
  actor: Actor,
  name: string,
  action: string,
): Promise<DevenvRow> {
  const row = await findDevenv(deps.store, parseEnvName(name));
  if (!row)
    throw new AppError('not_found', `There is no environment \`${name}\`. \`/devenv list all\` shows them.`);
  // RELEASE_MANAGERS=* lets everyone manage releases, not everyone's environments: only named managers.
  if (row.owner !== actor.userId && !(await deps.access.isNamedReleaseManager(actor.userId))) {
    throw new AppError(
      'forbidden',
      `Only <@${row.owner}> (its owner) or a release manager may ${action} \`${row.name}\`.`,
    );
  }
  return row;
}

/** Whether each override's target exists and has ready endpoints, as the cluster says now. */
export function targetStatuses(
  cluster: DevenvCluster,
  env: Devenv,
): Promise<(TargetStatus & { override: Override })[]> {
  return Promise.all(
    env.overrides.map(async (override) => ({
      override,
      ...(await cluster.targetStatus(env.name, override)),
    })),
  );
}

/** An outside target that may not receive pre-prod traffic, and why. */
export interface UnsafeTarget {
  service: string;
  host: string;
  reason: string;
  /** True when the name did not resolve at all (as opposed to resolving somewhere forbidden). */
  unresolved: boolean;
}

/**
 * Resolves every outside target (A and AAAA, asked anew each time) and names those with any address that
 * is loopback, link-local, private, unique-local or inside the cluster's ranges. The name alone proves
 * nothing: a record under an allowed suffix may point anywhere, and may change after the check.
 */
export async function unsafeTargets(
  deps: Pick<DevenvDeps, 'resolver' | 'policy'>,
  overrides: readonly Override[],
): Promise<UnsafeTarget[]> {
  const found: UnsafeTarget[] = [];
  for (const override of overrides) {
    if (override.target.kind !== 'external') continue;
    const host = override.target.host.toLowerCase();
    let addresses: string[];
    try {
      addresses = await deps.resolver.addresses(host);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      found.push({
        service: override.service,
        host,
        reason: `could not be resolved (${code})`,
        unresolved: true,
      });
      continue;
    }
    if (addresses.length === 0) {
      found.push({ service: override.service, host, reason: 'has no A or AAAA record', unresolved: true });
      continue;
    }
    const why = addresses.map((a) => unsafeAddress(a, deps.policy.clusterCidrs)).find(Boolean);
    if (why) found.push({ service: override.service, host, reason: why, unresolved: false });
  }
  return found;
}
