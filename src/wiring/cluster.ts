/** The cluster's part: /devenv's mesh provider and the freeze the cluster keeps, from the config. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeCluster } from '../kube/cluster.js';
import { homedir } from 'node:os';
import type * as k8s from '../vendor/kubernetes.js';
import type { Config } from '../config.js';
import { DnsHostResolver } from '../dns/resolver.js';
import { randomBytes } from 'node:crypto';
import type { Store } from '../db/database.js';
import { HostLocks } from '../support/host-locks.js';
import type { DevenvDeps, DevenvSettings } from '../use-cases/devenvs.js';
import { renderIstioObjects } from '../domain/devenv/render-istio.js';
import { renderGatewayApi } from '../domain/devenv/render-gateway-api.js';
import type { Logger } from '../logger.js';
import type { RoutingSettings } from '../domain/devenv/routing.js';
import type { Access, CandidateSource, Clock, Outbox } from '../use-cases/ports.js';
import type { CandidateWatch } from '../kube/workloads.js';
import type { KubeFreezeEnforcement } from '../kube/freeze-enforcement.js';
import { desiredFreezeParameter } from '../use-cases/freeze-enforcement.js';
import { observeFullList, observeRemoval, observeWorkload } from '../use-cases/candidate.js';
import { listReleases } from '../db/releases.js';

/**
 * The Kubernetes modules, loaded only when a cluster may be configured: @kubernetes/client-node costs about
 * 21 MB and 0.1 s at import even bundled (src/vendor).
 */
async function loadKube() {
  const [cluster, connect, devenvCluster, istio, gateway, workloads, enforcement] = await Promise.all([
    import('../kube/cluster.js'),
    import('../kube/connect.js'),
    import('../kube/devenv-cluster.js'),
    import('../kube/istio-applier.js'),
    import('../kube/gateway-api-applier.js'),
    import('../kube/workloads.js'),
    import('../kube/freeze-enforcement.js'),
  ]);
  return {
    KubeCluster: cluster.KubeCluster,
    connectKube: connect.connectKube,
    createDevenvCluster: devenvCluster.createDevenvCluster,
    IstioRouteApplier: istio.IstioRouteApplier,
    GatewayApiRouteApplier: gateway.GatewayApiRouteApplier,
    ClusterWorkloads: workloads.ClusterWorkloads,
    CandidateWatch: workloads.CandidateWatch,
    KubeFreezeEnforcement: enforcement.KubeFreezeEnforcement,
  };
}

/** The freeze the cluster keeps: the candidate read and watched, and the admission parameter converged. */
export interface FreezeControl {
  candidate: CandidateSource | undefined;
  enforcement: KubeFreezeEnforcement | undefined;
  watch: CandidateWatch | undefined;
  /** One reconcile pass of the admission parameter: resolves to the repairs made. */
  reconcileOnce(): Promise<number>;
  start(): void;
  stop(): void;
}

export async function wireFreeze(
  config: Config,
  parts: {
    kube: KubeCluster | undefined;
    store: Store;
    clock: Clock;
    outbox: Outbox;
    logger: Logger;
    mayRun: () => boolean;
    /** What the watch records runs under the leadership epoch: a former holder's is refused. */
    fenced: <T>(work: () => T) => T;
  },
): Promise<FreezeControl> {
  const off: FreezeControl = {
    candidate: undefined,
    enforcement: undefined,
    watch: undefined,
    reconcileOnce: () => Promise.resolve(0),
    start: () => undefined,
    stop: () => undefined,
  };
  const { kube } = parts;
  if (!kube || config.freeze.namespaces.length === 0) return off;
  const modules = await loadKube();
  const scope = { namespaces: config.freeze.namespaces, serviceLabel: config.freeze.serviceLabel };
  const candidate = new modules.ClusterWorkloads(kube, scope);
  const mode = config.freeze.enforcement;
  const enforcement =
    mode === 'off'
      ? undefined
      : new modules.KubeFreezeEnforcement(
          kube,
          () => desiredFreezeParameter(parts.store, mode),
          {
            namespaces: config.freeze.namespaces,
            timeoutMs: config.devenv.kubeTimeoutSeconds * 1000,
            probeIntervalMs: 20,
          },
          parts.logger,
        );
  const watchDeps = { store: parts.store, clock: parts.clock, outbox: parts.outbox, logger: parts.logger };
  const watch = new modules.CandidateWatch(
    candidate,
    {
      listed: (workloads) => parts.fenced(() => observeFullList(watchDeps, workloads)),
      changed: (workload) => parts.fenced(() => observeWorkload(watchDeps, workload)),
      removed: (workload) => parts.fenced(() => observeRemoval(watchDeps, workload)),
    },
    {
      shouldRun: async () =>
        parts.mayRun() && (await listReleases(parts.store, ['frozen', 'signed_off'])).length > 0,
      pollMs: 1_000,
      backoff: { initialMs: 500, maxMs: 30_000 },
      watchTimeoutSeconds: 300,
    },
    parts.logger,
  );
  const reconcileOnce = async () => (parts.mayRun() && enforcement ? enforcement.reconcile() : 0);
  let timer: NodeJS.Timeout | undefined;
  return {
    candidate,
    enforcement,
    watch,
    reconcileOnce,
    start() {
      watch.start();
      if (!enforcement) return;
      const pass = () =>
        void reconcileOnce().catch((error: unknown) =>
          parts.logger.warn({ err: error }, 'freeze parameter reconcile failed; the next pass retries'),
        );
      pass();
      timer = setInterval(pass, config.freeze.reconcileIntervalSeconds * 1000).unref();
    },
    stop() {
      watch.stop();
      clearInterval(timer);
    },
  };
}

function clusterMayBeConfigured(config: Config): boolean {
  return Boolean(
    config.devenv.kubeconfigPath || config.devenv.inCluster || existsSync(join(homedir(), '.kube', 'config')),
  );
}

/** Picks the mesh provider and the cluster (or dry-run) for /devenv from the validated config. */
export async function wireDevenv(
  config: Config,
  parts: {
    store: Store;
    clock: Clock;
    access: Access;
    routing: RoutingSettings;
    logger: Logger;
    timed: <T>(call: () => Promise<T>) => Promise<T>;
  },
): Promise<DevenvDeps & { kube: KubeCluster | undefined; kubeConfig: k8s.KubeConfig | undefined }> {
  const settings: DevenvSettings = {
    namespaceTemplate: config.devenv.namespaceTemplate,
    ttlDefaultSeconds: config.devenv.ttlDefaultSeconds,
    ttlMaxSeconds: config.devenv.ttlMaxSeconds,
    maxPerUser: config.devenv.maxPerUser,
    maxTotal: config.devenv.maxTotal,
    preprodNamespace: config.devenv.preprodNamespace,
    serviceSelector: config.devenv.serviceSelector,
  };
  const kubeModules = clusterMayBeConfigured(config) ? await loadKube() : undefined;
  const connection = kubeModules
    ? kubeModules.connectKube(config.devenv)
    : { reason: 'no Kubernetes cluster is configured (set KUBECONFIG)' };
  const header = parts.routing.routingHeader;
  const gatewayRouting =
    config.devenv.mesh === 'gateway-api' && header ? { ...parts.routing, routingHeader: header } : undefined;
  const kube =
    kubeModules && 'kubeConfig' in connection
      ? new kubeModules.KubeCluster(
          connection.kubeConfig,
          config.devenv.kubeTimeoutSeconds * 1000,
          parts.timed,
        )
      : undefined;
  const applier =
    kube && kubeModules
      ? gatewayRouting
        ? new kubeModules.GatewayApiRouteApplier(kube, gatewayRouting)
        : new kubeModules.IstioRouteApplier(kube, parts.routing)
      : undefined;
  const dryRunReason =
    'reason' in connection
      ? connection.reason
      : config.devenv.mode === 'dry-run'
        ? 'DEVENV_MODE=dry-run'
        : undefined;
  return {
    store: parts.store,
    clock: parts.clock,
    access: parts.access,
    settings,
    cluster:
      kube && applier && kubeModules ? kubeModules.createDevenvCluster(kube, settings, applier) : undefined,
    dryRunReason,
    render: (envs) =>
      gatewayRouting ? renderGatewayApi(envs, gatewayRouting, {}) : renderIstioObjects(envs, parts.routing),
    supportsExternalTargets: !gatewayRouting,
    randomSuffix: () => randomBytes(3).toString('hex').slice(0, 5),
    logger: parts.logger,
    locks: new HostLocks(),
    kubeConfig: 'kubeConfig' in connection ? connection.kubeConfig : undefined,
    policy: {
      creators: config.devenv.users,
      targetNamespaces: config.devenv.targetNamespaces,
      externalHosts: config.devenv.externalHosts,
      clusterDomain: config.devenv.clusterDomain,
      clusterCidrs: config.devenv.clusterCidrs,
    },
    resolver: new DnsHostResolver(config.devenv.dnsServers, DNS_TIMEOUT_MS),
    kube,
  };
}

/** Each DNS look-up of an outside host (two tries of this at most). */
const DNS_TIMEOUT_MS = 2_000;

/** How /devenv routes: the pre-prod namespace, the header, the per-environment link, this installation. */
export function routingSettings(config: Config, instance: string): RoutingSettings {
  const { domain, gateway, entryService } = config.devenv;
  return {
    preprodNamespace: config.devenv.preprodNamespace,
    clusterDomain: config.devenv.clusterDomain,
    routingHeader: config.devenv.routingHeader,
    link: domain && gateway && entryService ? { domain, gateway, entryService } : undefined,
    instance,
  };
}
