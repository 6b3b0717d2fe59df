import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import type { RoutingSettings } from '../domain/devenv/routing.js';
import type { Logger } from '../logger.js';
import { HostLocks } from '../support/host-locks.js';
import type { Access } from '../use-cases/ports.js';
import type { DevenvDeps, DevenvSettings } from '../use-cases/devenvs.js';
import type { Clock } from '../use-cases/ports.js';
import { KubeCluster } from './cluster.js';
import { connectKube } from './connect.js';
import { createDevenvCluster } from './devenv-cluster.js';
import { IstioRouteApplier } from './istio-applier.js';
import { renderIstioObjects } from '../domain/devenv/render-istio.js';
import { renderGatewayApi } from '../domain/devenv/render-gateway-api.js';
import { GatewayApiRouteApplier } from './gateway-api-applier.js';

/** Picks the mesh provider and the cluster (or dry-run) for /devenv from the validated config. */
export function createDevenvDeps(
  config: Config,
  parts: { db: Db; clock: Clock; access: Access; routing: RoutingSettings; logger: Logger },
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
  const header = parts.routing.routingHeader;
  const gatewayRouting =
    config.devenv.mesh === 'gateway-api' && header ? { ...parts.routing, routingHeader: header } : undefined;
  const applierFor = (kube: KubeCluster) =>
    gatewayRouting
      ? new GatewayApiRouteApplier(kube, gatewayRouting)
      : new IstioRouteApplier(kube, parts.routing);
  const kube =
    'kubeConfig' in connection
      ? new KubeCluster(connection.kubeConfig, config.devenv.kubeTimeoutSeconds * 1000)
      : undefined;
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
    cluster: kube ? createDevenvCluster(kube, settings, applierFor(kube)) : undefined,
    dryRunReason,
    render: (envs) =>
      gatewayRouting ? renderGatewayApi(envs, gatewayRouting, {}) : renderIstioObjects(envs, parts.routing),
    supportsExternalTargets: !gatewayRouting,
    randomSuffix: () => randomBytes(3).toString('hex').slice(0, 5),
    logger: parts.logger,
    locks: new HostLocks(),
    policy: {
      creators: config.devenv.users,
      targetNamespaces: config.devenv.targetNamespaces,
      externalHosts: config.devenv.externalHosts,
      clusterDomain: config.devenv.clusterDomain,
    },
    kube,
  };
}
