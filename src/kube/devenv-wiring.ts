import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import type { RoutingSettings } from '../domain/devenv/routing.js';
import type { Logger } from '../logger.js';
import { KeyedSerialQueue } from '../support/keyed-coalescer.js';
import type { AccessControl } from '../use-cases/access.js';
import type { DevenvDeps, DevenvSettings } from '../use-cases/devenvs.js';
import type { Clock } from '../use-cases/ports.js';
import { KubeCluster } from './cluster.js';
import { connectKube } from './connect.js';
import { createDevenvCluster } from './devenv-cluster.js';
import { IstioRouteApplier } from './istio-applier.js';
import { renderIstioObjects } from '../domain/devenv/render-istio.js';

/** Picks the mesh provider and the cluster (or dry-run) for /devenv from the validated config. */
export function createDevenvDeps(
  config: Config,
  parts: { db: Db; clock: Clock; access: AccessControl; routing: RoutingSettings; logger: Logger },
): DevenvDeps & { kube: KubeCluster | undefined } {
  const settings: DevenvSettings = {
    namespaceTemplate: config.devenv.namespaceTemplate,
    ttlDefaultSeconds: config.devenv.ttlDefaultSeconds,
    ttlMaxSeconds: config.devenv.ttlMaxSeconds,
    maxPerUser: config.devenv.maxPerUser,
    maxTotal: config.devenv.maxTotal,
    preprodNamespace: config.devenv.preprodNamespace,
    serviceSelector: config.devenv.serviceSelector,
  };
  const connection = connectKube(config.devenv);
  const kube = 'kubeConfig' in connection ? new KubeCluster(connection.kubeConfig) : undefined;
  const dryRunReason =
    'reason' in connection
      ? connection.reason
      : config.devenv.mode === 'dry-run'
        ? 'DEVENV_MODE=dry-run'
        : undefined;
  return {
    db: parts.db,
    clock: parts.clock,
    access: parts.access,
    settings,
    cluster: kube
      ? createDevenvCluster(kube, settings, new IstioRouteApplier(kube, parts.routing))
      : undefined,
    dryRunReason,
    render: (envs) => renderIstioObjects(envs, parts.routing),
    randomSuffix: () => randomBytes(3).toString('hex').slice(0, 5),
    logger: parts.logger,
    queue: new KeyedSerialQueue(),
    kube,
  };
}
