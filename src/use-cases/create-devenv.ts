import type { Reader } from '../db/database.js';
import {
  countDevenvsOf,
  countLiveDevenvs,
  deleteDevenvRow,
  findDevenv,
  insertDevenv,
  listRoutedDevenvs,
  setDevenvState,
  toDevenv,
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
import { type KubeObject } from '../domain/devenv/objects.js';
import { AppError } from '../domain/errors.js';
import type { ConvergeReport } from '../domain/devenv/converge.js';
import { targetRefusal } from '../domain/devenv/policy.js';
import type { Actor } from './ports.js';
import {
  describeEnv,
  hostsOf,
  objectsOf,
  scopeOf,
  targetStatuses,
  unsafeTargets,
  type DevenvCluster,
  type DevenvDeps,
  type DevenvSettings,
  type TargetStatus,
} from './devenvs.js';

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
async function checkLimits(deps: DevenvDeps, tx: Reader, owner: string): Promise<void> {
  const mine = await countDevenvsOf(tx, owner);
  if (mine >= deps.settings.maxPerUser) {
    throw new AppError(
      'limit_reached',
      `You already have ${mine} environments, the most one person may have (${deps.settings.maxPerUser}). Delete one first: \`/devenv list\`.`,
    );
  }
  const total = await countLiveDevenvs(tx);
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
  const unsafe = await unsafeTargets(deps, overrides);
  if (unsafe.length > 0) {
    throw new AppError(
      'forbidden',
      unsafe
        .map((u) =>
          u.unresolved
            ? `\`${u.host}\` ${u.reason}: an outside target must resolve to a public address.`
            : `\`${u.host}\` resolves to ${u.reason}: pre-prod traffic may only go to public addresses.`,
        )
        .join('\n'),
    );
  }
  const ttl = resolveTtl(deps.settings, request.ttlSeconds);
  if (await findDevenv(deps.store, name))
    throw new AppError(
      'already_exists',
      `The environment name \`${name}\` is taken; pick another with name=…`,
    );
  await checkLimits(deps, deps.store, actor.userId);
  await checkCatalogue(deps, overrides);

  const frozenReleases = (await listReleases(deps.store, ['frozen', 'signed_off'])).map((r) => r.version);
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
    const all = [...(await listRoutedDevenvs(deps.store)).map(toDevenv), env];
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
    await deps.store.transaction(async (tx) => {
      if (await findDevenv(tx, name))
        throw new AppError(
          'already_exists',
          `The environment name \`${name}\` is taken; pick another with name=…`,
        );
      await checkLimits(deps, tx, actor.userId);
      await insertDevenv(tx, {
        name,
        owner: env.owner,
        overrides,
        state: 'applying',
        expiresAt: env.expiresAt,
        createdAt: at,
      });
    });
    const others = (await listRoutedDevenvs(deps.store)).filter((r) => r.name !== name).map(toDevenv);
    let report: ConvergeReport;
    try {
      report = await cluster.applier.converge([...others, env], scopeOf(env));
    } catch (error) {
      await rollBack(deps, cluster, others, env, error);
      throw error;
    }
    deps.faults?.afterClusterWrite?.('create', name);
    await deps.store.transaction(async (tx) => {
      await setDevenvState(tx, name, 'live');
      await appendAudit(tx, {
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
    await deleteDevenvRow(deps.store, env.name);
  } catch (rollbackError) {
    // Without the mesh's CRDs no object of ours can exist: there is nothing to clean up.
    if (rollbackError instanceof AppError && rollbackError.reason === 'not_configured') {
      await deleteDevenvRow(deps.store, env.name);
      return;
    }
    await setDevenvState(deps.store, env.name, 'deleting');
    deps.logger.error(
      { err: rollbackError, cause, env: env.name },
      'rollback of a failed environment left for the reconciler',
    );
  }
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
