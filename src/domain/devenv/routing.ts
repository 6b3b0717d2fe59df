import type { Devenv, OverrideTarget } from './model.js';
import { INSTANCE_LABEL, MANAGED_BY, MANAGED_BY_LABEL } from './objects.js';

export interface RoutingSettings {
  preprodNamespace: string;
  clusterDomain: string;
  /** Exact-match header carrying the environment name; undefined → W3C baggage entry `devenv=<env>`. */
  routingHeader: string | undefined;
  /** Per-environment link `<env>.<domain>` through an ingress gateway to an entry service. */
  link: { domain: string; gateway: string; entryService: string } | undefined;
  /** This installation's id, put on every object as `release-bot.io/instance`; absent in a bare render. */
  instance?: string | undefined;
}

/** The labels every object of ours carries, plus its own. */
export function ownLabels(s: RoutingSettings, extra: Record<string, string>): Record<string, string> {
  return {
    [MANAGED_BY_LABEL]: MANAGED_BY,
    ...(s.instance === undefined ? {} : { [INSTANCE_LABEL]: s.instance }),
    ...extra,
  };
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
