import type { Devenv } from './model.js';
import { DEVENV_LABEL, ROUTE_PREFIX, SERVICE_LABEL, type KubeObject } from './objects.js';
import { linkName, serviceEntryName, serviceVirtualServiceName } from './names.js';
import {
  baggageRegex,
  ownLabels,
  preprodHost,
  sortedEnvs,
  targetHost,
  type RoutingSettings,
} from './routing.js';

export const ISTIO_NETWORKING = 'networking.istio.io/v1';

export interface IstioHttpRoute {
  name: string;
  match?: Record<string, unknown>[];
  headers?: Record<string, unknown>;
  route: { destination: { host: string; port?: { number: number } } }[];
}

/** Our named routes for one pre-prod service, in the order they must be evaluated. */
export interface ServiceRoutes {
  service: string;
  namespace: string;
  host: string;
  /** The labels of our own VirtualService for this host. */
  labels: Record<string, string>;
  routes: IstioHttpRoute[];
}

export interface IstioDesiredState {
  /** One entry per overridden service: goes into our own VirtualService, or into a foreign one. */
  services: ServiceRoutes[];
  /** Objects wholly ours besides those VirtualServices: ServiceEntries and per-env link VirtualServices. */
  objects: KubeObject[];
}

export function routeName(env: string): string {
  return `${ROUTE_PREFIX}${env}`;
}

export function isOurRoute(route: unknown): boolean {
  const name = (route as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name.startsWith(ROUTE_PREFIX);
}

function routingMatch(env: string, s: RoutingSettings): Record<string, unknown> {
  return s.routingHeader
    ? { headers: { [s.routingHeader]: { exact: env } } }
    : { headers: { baggage: { regex: baggageRegex(env) } } };
}

function destination(
  env: Devenv,
  service: string,
  s: RoutingSettings,
): IstioHttpRoute['route'][number]['destination'] {
  const override = env.overrides.find((o) => o.service === service);
  if (!override) return { host: preprodHost(service, s) };
  const target = override.target;
  return target.kind === 'external'
    ? { host: target.host, port: { number: target.port } }
    : { host: targetHost(target, s) };
}

export { serviceEntryName } from './names.js';

/** Pure: from the live environments to every object and route they need. Same input, same output. */
export function renderIstio(envs: readonly Devenv[], s: RoutingSettings): IstioDesiredState {
  const ordered = sortedEnvs(envs);
  const services = [...new Set(ordered.flatMap((e) => e.overrides.map((o) => o.service)))].sort();
  const serviceRoutes = services.map((service) => ({
    service,
    namespace: s.preprodNamespace,
    host: preprodHost(service, s),
    labels: ownLabels(s, { [SERVICE_LABEL]: service }),
    routes: ordered
      .filter((e) => e.overrides.some((o) => o.service === service))
      .map((e) => ({
        name: routeName(e.name),
        match: [routingMatch(e.name, s)],
        route: [{ destination: destination(e, service, s) }],
      })),
  }));

  const objects: KubeObject[] = [];
  for (const env of ordered) {
    for (const { service, target } of env.overrides) {
      if (target.kind !== 'external') continue;
      objects.push({
        apiVersion: ISTIO_NETWORKING,
        kind: 'ServiceEntry',
        metadata: {
          name: serviceEntryName(env.name, service),
          namespace: s.preprodNamespace,
          labels: ownLabels(s, { [DEVENV_LABEL]: env.name, [SERVICE_LABEL]: service }),
        },
        spec: {
          hosts: [target.host],
          // Visible to the pre-prod namespace only: egress to this host elsewhere in the mesh is untouched.
          exportTo: ['.'],
          location: 'MESH_EXTERNAL',
          resolution: 'DNS',
          ports: [{ number: target.port, name: `http-${target.port}`, protocol: 'HTTP' }],
        },
      });
    }
    if (s.link) objects.push(renderIstioLink(env, s, s.link));
  }
  return { services: serviceRoutes, objects };
}

function renderIstioLink(
  env: Devenv,
  s: RoutingSettings,
  link: NonNullable<RoutingSettings['link']>,
): KubeObject {
  const headerSet = s.routingHeader ? { [s.routingHeader]: env.name } : { baggage: `devenv=${env.name}` };
  return {
    apiVersion: ISTIO_NETWORKING,
    kind: 'VirtualService',
    metadata: {
      name: linkName('VirtualService', env.name),
      namespace: s.preprodNamespace,
      labels: ownLabels(s, { [DEVENV_LABEL]: env.name }),
    },
    spec: {
      hosts: [`${env.name}.${link.domain}`],
      gateways: [link.gateway],
      http: [
        {
          name: routeName(env.name),
          headers: { request: { set: headerSet } },
          route: [{ destination: destination(env, link.entryService, s) }],
        },
      ],
    },
  };
}

export function ownedVirtualServiceName(service: string): string {
  return serviceVirtualServiceName(service);
}

/** Our own VirtualService for a service's host: our routes, then the pre-prod default last. */
export function ownedVirtualService(routes: ServiceRoutes): KubeObject {
  return {
    apiVersion: ISTIO_NETWORKING,
    kind: 'VirtualService',
    metadata: {
      name: ownedVirtualServiceName(routes.service),
      namespace: routes.namespace,
      labels: routes.labels,
    },
    spec: {
      hosts: [routes.host],
      http: [...routes.routes, { name: 'default', route: [{ destination: { host: routes.host } }] }],
    },
  };
}

/**
 * A foreign VirtualService's route list with ours first: every route of theirs kept, in order and
 * untouched; our previous routes replaced.
 */
export function mergeRoutes(theirs: readonly unknown[], ours: readonly IstioHttpRoute[]): unknown[] {
  return [...ours, ...theirs.filter((r) => !isOurRoute(r))];
}

/** Every object the environments need when no foreign VirtualService is involved, in apply order. */
export function renderIstioObjects(envs: readonly Devenv[], s: RoutingSettings): KubeObject[] {
  const desired = renderIstio(envs, s);
  return [
    ...desired.objects.filter((o) => o.kind === 'ServiceEntry'),
    ...desired.services.map(ownedVirtualService),
    ...desired.objects.filter((o) => o.kind !== 'ServiceEntry'),
  ];
}
