import type { Devenv, OverrideTarget } from './model.js';

export interface RoutingSettings {
  preprodNamespace: string;
  clusterDomain: string;
  /** Exact-match header carrying the environment name; undefined → W3C baggage entry `devenv=<env>`. */
  routingHeader: string | undefined;
  /** Per-environment link `<env>.<domain>` through an ingress gateway to an entry service. */
  link: { domain: string; gateway: string; entryService: string } | undefined;
}

export const BAGGAGE_KEY = 'devenv';

export function serviceHost(namespace: string, service: string, clusterDomain: string): string {
  return `${service}.${namespace}.svc.${clusterDomain}`;
}

export function preprodHost(service: string, s: RoutingSettings): string {
  return serviceHost(s.preprodNamespace, service, s.clusterDomain);
}

export function targetHost(target: OverrideTarget, s: RoutingSettings): string {
  return target.kind === 'external'
    ? target.host
    : serviceHost(target.namespace, target.service, s.clusterDomain);
}

/**
 * Matches a `baggage` header whose entries include `devenv=<env>`, wherever it stands among other entries
 * (W3C baggage: comma-separated `key=value;properties`, optional whitespace). Anchored on both ends so
 * `devenv=ana` never matches `devenv=anabel`.
 */
export function baggageRegex(env: string): string {
  return `^(.*,)?\\s*${BAGGAGE_KEY}=${env}\\s*(;[^,]*)?(,.*)?$`;
}

/** How to enter an environment, for the reply and the README. */
export function routingKeyHeader(env: string, s: RoutingSettings): { name: string; value: string } {
  return s.routingHeader
    ? { name: s.routingHeader, value: env }
    : { name: 'baggage', value: `${BAGGAGE_KEY}=${env}` };
}

/** Environments in a stable order: by name. */
export function sortedEnvs(envs: readonly Devenv[]): Devenv[] {
  return [...envs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
