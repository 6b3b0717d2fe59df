import type { Devenv } from '../domain/devenv/model.js';
import {
  DEVENV_LABEL,
  SERVICE_LABEL,
  ownershipOf,
  sameJson,
  type KubeObject,
} from '../domain/devenv/objects.js';
import {
  ISTIO_NETWORKING,
  isOurRoute,
  mergeRoutes,
  ownedVirtualService,
  ownedVirtualServiceName,
  renderIstio,
  renderIstioObjects,
  routeName,
  type IstioDesiredState,
  type ServiceRoutes,
} from '../domain/devenv/render-istio.js';
import type { RoutingSettings } from '../domain/devenv/routing.js';
import { AppError } from '../domain/errors.js';
import type { KubeCluster, ObservedObject } from './cluster.js';
import { refuseToAdopt, upToDate, writeOwned } from './owned-objects.js';
import {
  emptyReport,
  scopeFilter,
  type ConvergeReport,
  type ConvergeScope,
  type RouteApplier,
  type ScopeFilter,
} from './route-applier.js';

const MAX_CONFLICT_RETRIES = 5;

function httpRoutes(o: ObservedObject): unknown[] {
  const http = o.spec.http;
  return Array.isArray(http) ? (http as unknown[]) : [];
}

/**
 * Converges Istio objects to the live environments: one VirtualService per overridden host (ours, or a
 * foreign one with our named routes inserted first), ServiceEntries for external targets, per-env links.
 */
export class IstioRouteApplier implements RouteApplier {
  constructor(
    private readonly cluster: KubeCluster,
    private readonly settings: RoutingSettings,
  ) {}

  private ownership(o: ObservedObject) {
    return ownershipOf(o.metadata.labels, this.settings.instance);
  }

  private ours(o: ObservedObject): boolean {
    return this.ownership(o) === 'ours';
  }

  render(envs: readonly Devenv[]): KubeObject[] {
    return renderIstioObjects(envs, this.settings);
  }

  async converge(envs: readonly Devenv[], scope: ConvergeScope = {}): Promise<ConvergeReport> {
    const report = emptyReport();
    const within = scopeFilter(scope);
    const desired = renderIstio(envs, this.settings);
    const observed = await this.observe();
    const envObjects = desired.objects.filter((o) => within.env(o.metadata.labels[DEVENV_LABEL]));
    const apply = (object: KubeObject) => this.applyIfChanged(object, observed.byKey, report);

    // ServiceEntries exist before any route points at them.
    for (const entry of envObjects.filter((o) => o.kind === 'ServiceEntry')) await apply(entry);
    for (const routes of desired.services.filter((r) => within.service(r.service))) {
      // Merged into only when it is not release-bot's at all: another installation's is refused below.
      const foreign = observed.virtualServices.find(
        (vs) => this.ownership(vs) === 'not-release-bot' && this.servesHost(vs, routes),
      );
      if (foreign) await this.mergeIntoForeign(foreign, routes.routes, report);
      else await apply(ownedVirtualService(routes));
    }
    for (const link of envObjects.filter((o) => o.kind === 'VirtualService')) await apply(link);

    for (const vs of observed.virtualServices) {
      const removal = this.removalOf(vs, desired, within);
      if (removal === 'delete') await this.remove(vs, report);
      if (removal === 'strip') await this.mergeIntoForeign(vs, [], report);
    }
    // ServiceEntries go last, once no route points at them.
    const desiredNames = new Set(desired.objects.map((o) => `${o.kind}/${o.metadata.name}`));
    for (const entry of observed.serviceEntries) {
      const explained = desiredNames.has(`ServiceEntry/${entry.metadata.name}`);
      if (!explained && within.env(entry.metadata.labels?.[DEVENV_LABEL])) await this.remove(entry, report);
    }
    return report;
  }

  private async observe(): Promise<{
    virtualServices: ObservedObject[];
    serviceEntries: ObservedObject[];
    byKey: Map<string, ObservedObject>;
  }> {
    const ns = this.settings.preprodNamespace;
    // Every ServiceEntry, not only ours: a same-named one of someone else's must be seen to be left alone.
    const [virtualServices, allServiceEntries] = await Promise.all([
      this.cluster.list(ISTIO_NETWORKING, 'VirtualService', ns),
      this.cluster.list(ISTIO_NETWORKING, 'ServiceEntry', ns),
    ]);
    const byKey = new Map(
      [...virtualServices, ...allServiceEntries].map((o) => [`${o.kind}/${o.metadata.name}`, o]),
    );
    return { virtualServices, serviceEntries: allServiceEntries.filter((o) => this.ours(o)), byKey };
  }

  private async applyIfChanged(
    object: KubeObject,
    observed: Map<string, ObservedObject>,
    report: ConvergeReport,
  ): Promise<void> {
    const current = observed.get(`${object.kind}/${object.metadata.name}`);
    refuseToAdopt(object, current, this.settings.instance);
    if (upToDate(object, current)) {
      report.unchanged++;
      return;
    }
    await writeOwned(this.cluster, object, current, this.settings.instance);
    report.applied.push(`${object.kind}/${object.metadata.name}`);
  }

  private async remove(object: ObservedObject, report: ConvergeReport): Promise<void> {
    await this.cluster.delete(object);
    report.deleted.push(`${object.kind}/${object.metadata.name}`);
  }

  /**
   * What an observed VirtualService needs when the desired state no longer explains it: ours are deleted,
   * a foreign one only loses our routes. Anything outside the pass's scope is left alone.
   */
  private removalOf(
    vs: ObservedObject,
    desired: IstioDesiredState,
    within: ScopeFilter,
  ): 'delete' | 'strip' | undefined {
    const service = vs.metadata.labels?.[SERVICE_LABEL];
    const env = vs.metadata.labels?.[DEVENV_LABEL];
    const owner = this.ownership(vs);
    // Another installation's objects, and ours from before ids that nothing explains, are never collected.
    if (owner === 'another-installation' || owner === 'legacy') return undefined;
    if (owner === 'ours') {
      if (service) {
        // Still routed under this very name: keep. Routed under a new name (renamed): the new one was written
        // first, so deleting the old leaves no gap.
        const current =
          desired.services.some((r) => r.service === service) &&
          vs.metadata.name === ownedVirtualServiceName(service);
        return !current && within.service(service) ? 'delete' : undefined;
      }
      if (env) {
        const explained = desired.objects.some(
          (o) => o.kind === 'VirtualService' && o.metadata.name === vs.metadata.name,
        );
        return !explained && within.env(env) ? 'delete' : undefined;
      }
      return undefined;
    }
    if (!httpRoutes(vs).some(isOurRoute)) return undefined;
    const services = this.servicesOf(vs);
    const stillRouted = desired.services.some((r) => services.includes(r.service));
    return !stillRouted && services.some((s) => within.service(s)) ? 'strip' : undefined;
  }

  /** The objects in the cluster that carry an environment's routes, as they are now. */
  async observedFor(env: string): Promise<ObservedObject[]> {
    const ns = this.settings.preprodNamespace;
    const [virtualServices, serviceEntries] = await Promise.all([
      this.cluster.list(ISTIO_NETWORKING, 'VirtualService', ns),
      this.cluster.list(ISTIO_NETWORKING, 'ServiceEntry', ns, `${DEVENV_LABEL}=${env}`),
    ]);
    const carries = (vs: ObservedObject) =>
      vs.metadata.labels?.[DEVENV_LABEL] === env ||
      httpRoutes(vs).some((r) => (r as { name?: unknown }).name === routeName(env));
    return [...serviceEntries, ...virtualServices.filter(carries)];
  }

  private servicesOf(vs: ObservedObject): string[] {
    const hosts = Array.isArray(vs.spec.hosts)
      ? (vs.spec.hosts as unknown[]).filter((h): h is string => typeof h === 'string')
      : [];
    const ns = this.settings.preprodNamespace;
    const suffixes = ['', `.${ns}`, `.${ns}.svc`, `.${ns}.svc.${this.settings.clusterDomain}`];
    return hosts.flatMap((host) =>
      suffixes
        .filter((s) => host.endsWith(s) && !host.slice(0, host.length - s.length).includes('.'))
        .map((s) => host.slice(0, host.length - s.length)),
    );
  }

  private servesHost(vs: ObservedObject, routes: ServiceRoutes): boolean {
    return this.servicesOf(vs).includes(routes.service);
  }

  /** Read-modify-write on resourceVersion: their routes and fields stay exactly as they were. */
  private async mergeIntoForeign(
    foreign: ObservedObject,
    routes: ServiceRoutes['routes'],
    report: ConvergeReport,
  ): Promise<void> {
    let current = foreign;
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      const http = httpRoutes(current);
      const merged = mergeRoutes(http, routes);
      if (sameJson(merged, http)) {
        report.unchanged++;
        return;
      }
      try {
        await this.cluster.replace({ ...current, spec: { ...current.spec, http: merged } });
        report.updated.push(`VirtualService/${current.metadata.name}`);
        return;
      } catch (error) {
        if (!(error instanceof AppError) || error.reason !== 'conflict') throw error;
        report.conflictsRetried++;
        current = await this.cluster.get(
          current.apiVersion,
          current.kind,
          current.metadata.namespace,
          current.metadata.name,
        );
      }
    }
    throw new AppError(
      'conflict',
      `VirtualService ${foreign.metadata.name} kept changing under release-bot; try again in a moment.`,
    );
  }
}
