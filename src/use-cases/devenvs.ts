import type { Db, Reader } from '../db/database.js';
import {
  countDevenvsOf,
  countLiveDevenvs,
  deleteDevenvRow,
  findDevenv,
  insertDevenv,
  listAllDevenvs,
  listRoutedDevenvs,
  setDevenvExpiry,
  setDevenvState,
  toDevenv,
  type DevenvRow,
} from '../db/devenvs.js';
import { appendAudit, listReleases } from '../db/releases.js';
import { formatDuration } from '../domain/duration.js';
import {
  closestNames,
  deriveEnvName,
  namespaceFor,
  parseEnvName,
  parseOverride,
  type Devenv,
  type Override,
} from '../domain/devenv/model.js';
import { MANAGED_BY, MANAGED_BY_LABEL, type KubeObject } from '../domain/devenv/objects.js';
import { routeName } from '../domain/devenv/render-istio.js';
import { AppError } from '../domain/errors.js';
import type { Logger } from '../logger.js';
import type { ConvergeReport, ConvergeScope, RouteApplier } from '../kube/route-applier.js';
import type { ObservedObject } from '../kube/cluster.js';
import type { HostLocks } from '../support/host-locks.js';
import { targetRefusal, type DevenvPolicy } from '../domain/devenv/policy.js';
import type { Access } from './ports.js';
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
  db: Db;
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
  /** Cluster changes per host: two environments touching one VirtualService must not interleave. */
  locks: HostLocks;
  /** Test seam: simulates a crash between the cluster write and the database commit. */
  faults?: { afterClusterWrite?: (phase: 'create' | 'delete', env: string) => void };
}

export interface DevenvRequest {
  targets: string[];
  name?: string;
  ttlSeconds?: number;
  dryRun: boolean;
}

export interface DevenvCreated {
  env: Devenv;
  applied: boolean;
  dryRunReason: string | undefined;
  objects: KubeObject[];
  targets: (TargetStatus & { override: Override })[];
  frozenReleases: string[];
  report: ConvergeReport | undefined;
}

function scopeOf(env: Devenv): ConvergeScope {
  return { services: new Set(env.overrides.map((o) => o.service)), envs: new Set([env.name]) };
}

function objectsOf(objects: KubeObject[], env: Devenv): KubeObject[] {
  const services = new Set(env.overrides.map((o) => o.service));
  return objects.filter(
    (o) =>
      o.metadata.labels['release-bot.io/devenv'] === env.name ||
      services.has(o.metadata.labels['release-bot.io/service'] ?? ''),
  );
}

function parseOverrides(targets: string[], namespace: string): Override[] {
  if (targets.length === 0) {
    throw new AppError(
      'invalid_input',
      'Name at least one service: `/devenv blog-service tag-service`. `/devenv help` explains more.',
    );
  }
  const overrides = targets.map((t) => parseOverride(t, namespace));
  const seen = new Set<string>();
  for (const { service } of overrides) {
    if (seen.has(service)) throw new AppError('invalid_input', `\`${service}\` is listed twice.`);
    seen.add(service);
  }
  return overrides;
}

async function checkCatalogue(deps: DevenvDeps, overrides: Override[]): Promise<void> {
  if (!deps.cluster) return;
  const catalogue = await deps.cluster.catalogue();
  const unknown = overrides.filter((o) => !catalogue.includes(o.service));
  if (unknown.length === 0) return;
  const lines = unknown.map((o) => {
    const close = closestNames(o.service, catalogue);
    return `\`${o.service}\` is not a pre-prod service${close.length ? `; did you mean ${close.map((c) => `\`${c}\``).join(', ')}?` : '.'}`;
  });
  throw new AppError('invalid_input', lines.join('\n'));
}

/** Inside the transaction that records the environment, so parallel creates cannot all pass. */
function checkLimits(deps: DevenvDeps, tx: Reader, owner: string): void {
  const mine = countDevenvsOf(tx, owner);
  if (mine >= deps.settings.maxPerUser) {
    throw new AppError(
      'limit_reached',
      `You already have ${mine} environments, the most one person may have (${deps.settings.maxPerUser}). Delete one first: \`/devenv list\`.`,
    );
  }
  const total = countLiveDevenvs(tx);
  if (total >= deps.settings.maxTotal) {
    throw new AppError(
      'limit_reached',
      `There are already ${total} environments, the most allowed (${deps.settings.maxTotal}). Ask the team to delete unused ones.`,
    );
  }
}

export function resolveTtl(settings: DevenvSettings, ttlSeconds: number | undefined): number {
  const ttl = ttlSeconds ?? settings.ttlDefaultSeconds;
  if (ttl > settings.ttlMaxSeconds) {
    throw new AppError(
      'invalid_input',
      `ttl=${formatDuration(ttl)} is longer than the maximum of ${formatDuration(settings.ttlMaxSeconds)}.`,
    );
  }
  return ttl;
}

export async function createDevenv(
  deps: DevenvDeps,
  actor: Actor & { userName: string },
  request: DevenvRequest,
): Promise<DevenvCreated> {
  const name = request.name ? parseEnvName(request.name) : deriveEnvName(actor.userName, deps.randomSuffix());
  await requireCreator(deps, actor);
  const ownNamespace = namespaceFor(deps.settings.namespaceTemplate, name);
  const overrides = parseOverrides(request.targets, ownNamespace);
  const refusals = overrides
    .map((o) => targetRefusal(o, ownNamespace, deps.policy))
    .filter((r): r is string => r !== undefined);
  if (refusals.length > 0) throw new AppError('forbidden', refusals.join('\n'));
  const external = overrides.find((o) => o.target.kind === 'external');
  if (external && !deps.supportsExternalTargets) {
    throw new AppError(
      'invalid_input',
      `\`${external.service}\` points outside the cluster, which needs DEVENV_MESH=istio (a ServiceEntry); with Gateway API use an in-cluster Service.`,
    );
  }
  const ttl = resolveTtl(deps.settings, request.ttlSeconds);
  if (findDevenv(deps.db, name))
    throw new AppError(
      'already_exists',
      `The environment name \`${name}\` is taken; pick another with name=…`,
    );
  checkLimits(deps, deps.db, actor.userId);
  await checkCatalogue(deps, overrides);

  const frozenReleases = listReleases(deps.db, ['frozen', 'signed_off']).map((r) => r.version);
  const dryRunReason = request.dryRun ? 'dry-run: nothing was applied' : deps.dryRunReason;
  const env: Devenv = {
    name,
    owner: actor.userId,
    overrides,
    expiresAt: new Date(deps.clock.now().getTime() + ttl * 1000),
  };
  const targetsOf = (cluster: DevenvCluster) => targetStatuses(cluster, env);

  if (dryRunReason || !deps.cluster) {
    const targets = deps.cluster ? await targetsOf(deps.cluster) : [];
    const all = [...listRoutedDevenvs(deps.db).map(toDevenv), env];
    return {
      env,
      applied: false,
      dryRunReason: dryRunReason ?? 'no cluster',
      objects: objectsOf(deps.render(all), env),
      targets,
      frozenReleases,
      report: undefined,
    };
  }
  const cluster = deps.cluster;
  return deps.locks.withHosts(hostsOf(env), async () => {
    const at = deps.clock.now();
    deps.db.transaction((tx) => {
      if (findDevenv(tx, name))
        throw new AppError(
          'already_exists',
          `The environment name \`${name}\` is taken; pick another with name=…`,
        );
      checkLimits(deps, tx, actor.userId);
      insertDevenv(tx, {
        name,
        owner: env.owner,
        overrides,
        state: 'applying',
        expiresAt: env.expiresAt,
        createdAt: at,
      });
    });
    const others = listRoutedDevenvs(deps.db)
      .filter((r) => r.name !== name)
      .map(toDevenv);
    let report: ConvergeReport;
    try {
      report = await cluster.applier.converge([...others, env], scopeOf(env));
    } catch (error) {
      await rollBack(deps, cluster, others, env, error);
      throw error;
    }
    deps.faults?.afterClusterWrite?.('create', name);
    deps.db.transaction((tx) => {
      setDevenvState(tx, name, 'live');
      appendAudit(tx, {
        releaseId: null,
        actor: actor.userId,
        action: 'devenv_created',
        detail: describeEnv(env),
        commandText: actor.commandText,
        at,
      });
    });
    const targets = await targetsOf(cluster);
    return {
      env,
      applied: true,
      dryRunReason: undefined,
      objects: objectsOf(cluster.applier.render([...others, env]), env),
      targets,
      frozenReleases,
      report,
    };
  });
}

/** Takes a half-applied environment back out; if even that fails, leaves it for the reconciler. */
async function rollBack(
  deps: DevenvDeps,
  cluster: DevenvCluster,
  others: Devenv[],
  env: Devenv,
  cause: unknown,
): Promise<void> {
  try {
    await cluster.applier.converge(others, scopeOf(env));
    deleteDevenvRow(deps.db, env.name);
  } catch (rollbackError) {
    // Without the mesh's CRDs no object of ours can exist: there is nothing to clean up.
    if (rollbackError instanceof AppError && rollbackError.reason === 'not_configured') {
      deleteDevenvRow(deps.db, env.name);
      return;
    }
    setDevenvState(deps.db, env.name, 'deleting');
    deps.logger.error(
      { err: rollbackError, cause, env: env.name },
      'rollback of a failed environment left for the reconciler',
    );
  }
}

/** The pre-prod hosts an environment routes: what its cluster work must hold. */
export function hostsOf(env: Devenv): string[] {
  return env.overrides.map((o) => o.service);
}

async function requireCreator(deps: DevenvDeps, actor: Actor): Promise<void> {
  const { creators } = deps.policy;
  if (creators.everyone) return;
  if (await deps.access.isAmong(actor.userId, creators.ids)) return;
  if (await deps.access.isNamedReleaseManager(actor.userId)) return;
  throw new AppError(
    'forbidden',
    'You may not create developer environments here: ask a release manager to add you (or your group) to DEVENV_USERS.',
  );
}

function describeEnv(env: Devenv): string {
  return `${env.name}: ${env.overrides.map((o) => o.service).join(', ')}`;
}

export async function requireDevenvControl(
  deps: DevenvDeps,
  actor: Actor,
  name: string,
  action: string,
): Promise<DevenvRow> {
  const row = findDevenv(deps.db, parseEnvName(name));
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

/** Removes an environment's routes, then its record. */
export async function removeDevenv(
  deps: DevenvDeps,
  actor: Actor,
  name: string,
  reason: 'deleted' | 'expired',
): Promise<Devenv | undefined> {
  const row = findDevenv(deps.db, name);
  if (!row) throw new AppError('not_found', `There is no environment \`${name}\`.`);
  const env = toDevenv(row);
  return deps.locks.withHosts(hostsOf(env), async () => {
    // The reaper decided from an older read: an extend that committed since then wins.
    const current = findDevenv(deps.db, name);
    if (!current) return undefined;
    if (reason === 'expired' && current.expiresAt > deps.clock.now()) return undefined;
    setDevenvState(deps.db, name, 'deleting');
    if (deps.cluster && !deps.dryRunReason) {
      const others = listRoutedDevenvs(deps.db).map(toDevenv);
      await deps.cluster.applier.converge(others, scopeOf(env));
    }
    deps.faults?.afterClusterWrite?.('delete', name);
    const at = deps.clock.now();
    deps.db.transaction((tx) => {
      deleteDevenvRow(tx, name);
      appendAudit(tx, {
        releaseId: null,
        actor: actor.userId,
        action: reason === 'expired' ? 'devenv_expired' : 'devenv_deleted',
        detail: describeEnv(env),
        commandText: actor.commandText,
        at,
      });
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

export function listDevenvs(deps: Pick<DevenvDeps, 'db'>, owner?: string): Devenv[] {
  return listAllDevenvs(deps.db, owner)
    .filter((r) => r.state !== 'deleting')
    .map(toDevenv);
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
      objects: objectsOf(deps.render(listRoutedDevenvs(deps.db).map(toDevenv)), env),
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
