import type { Devenv } from '../domain/devenv/model.js';
import { DEVENV_LABEL, ownershipOf, type KubeObject } from '../domain/devenv/objects.js';
import {
  GATEWAY_API,
  renderGatewayApi,
  type GatewayRoutingSettings,
} from '../domain/devenv/render-gateway-api.js';
import type { KubeCluster, ObservedObject } from './cluster.js';
import { refuseToAdopt, upToDate, writeOwned } from './owned-objects.js';
import {
  emptyReport,
  scopeFilter,
  type ConvergeReport,
  type ConvergeScope,
  type RouteApplier,
} from './route-applier.js';

/** Converges Gateway API HTTPRoutes (GAMMA, one per service and environment) to the live environments. */
export class GatewayApiRouteApplier implements RouteApplier {
  /** Service ports from the last catalogue read; a render without a cluster assumes port 80. */
  private ports: Record<string, number> = {};

  constructor(
    private readonly cluster: KubeCluster,
    private readonly settings: GatewayRoutingSettings,
  ) {}

  render(envs: readonly Devenv[]): KubeObject[] {
    return renderGatewayApi(envs, this.settings, this.ports);
  }

  async converge(envs: readonly Devenv[], scope: ConvergeScope = {}): Promise<ConvergeReport> {
    const report = emptyReport();
    const ns = this.settings.preprodNamespace;
    const [services, allRoutes] = await Promise.all([
      this.cluster.listServices(ns),
      this.cluster.list(GATEWAY_API, 'HTTPRoute', ns),
    ]);
    const instance = this.settings.instance;
    const observed = allRoutes.filter((r) => ownershipOf(r.metadata.labels, instance) === 'ours');
    const anyByName = new Map(allRoutes.map((o) => [o.metadata.name, o]));
    this.ports = Object.fromEntries(
      services.filter((s) => s.ports[0] !== undefined).map((s) => [s.name, s.ports[0]!]),
    );
    const within = scopeFilter(scope);
    const inScope = (env: string | undefined) => within.env(env);
    const desired = this.render(envs);
    const byName = new Map(observed.map((o) => [o.metadata.name, o]));
    for (const object of desired.filter((o) => inScope(o.metadata.labels[DEVENV_LABEL]))) {
      const current = anyByName.get(object.metadata.name);
      refuseToAdopt(object, current, instance);
      if (upToDate(object, byName.get(object.metadata.name))) {
        report.unchanged++;
        continue;
      }
      await writeOwned(this.cluster, object, current, instance);
      report.applied.push(`HTTPRoute/${object.metadata.name}`);
    }
    const wanted = new Set(desired.map((o) => o.metadata.name));
    for (const route of observed) {
      if (!wanted.has(route.metadata.name) && inScope(route.metadata.labels?.[DEVENV_LABEL])) {
        await this.cluster.delete(route);
        report.deleted.push(`HTTPRoute/${route.metadata.name}`);
      }
    }
    return report;
  }

  observedFor(env: string): Promise<ObservedObject[]> {
    return this.cluster.list(
      GATEWAY_API,
      'HTTPRoute',
      this.settings.preprodNamespace,
      `${DEVENV_LABEL}=${env}`,
    );
  }
}
