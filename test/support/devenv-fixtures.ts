import { parseOverride, type Devenv } from '../../src/domain/devenv/model.js';
import type { GatewayRoutingSettings } from '../../src/domain/devenv/render-gateway-api.js';
import type { RoutingSettings } from '../../src/domain/devenv/routing.js';

/** Pre-prod in `preprod`, baggage routing, no per-environment link. */
export const ROUTING: RoutingSettings = {
  preprodNamespace: 'preprod',
  clusterDomain: 'cluster.local',
  routingHeader: undefined,
  link: undefined,
};

/** The same with an exact header, as Gateway API needs. */
export const HEADER_ROUTING: GatewayRoutingSettings = { ...ROUTING, routingHeader: 'x-devenv' };

/** An environment of U1 whose overrides are written as people type them (`blog`, `blog@team-x/b`). */
export function devenvOf(name: string, ...tokens: string[]): Devenv {
  return {
    name,
    owner: 'U1',
    expiresAt: new Date(0),
    overrides: tokens.map((t) => parseOverride(t, `devenv-${name}`)),
  };
}
