import { httpRouteName, linkName } from './names.js';
import type { Devenv, OverrideTarget } from './model.js';
import { DEVENV_LABEL, SERVICE_LABEL, type KubeObject } from './objects.js';
import { ownLabels, sortedEnvs, type RoutingSettings } from './routing.js';

export const GATEWAY_API = 'gateway.networking.k8s.io/v1';
export const DEFAULT_SERVICE_PORT = 80;

export type GatewayRoutingSettings = RoutingSettings & { routingHeader: string };

function backendRef(target: OverrideTarget, s: RoutingSettings, port: number): Record<string, unknown> {
  if (target.kind === 'external') throw new Error('external targets are not rendered for Gateway API');
  return {
    group: '',
    kind: 'Service',
    name: target.service,
    ...(target.namespace !== s.preprodNamespace ? { namespace: target.namespace } : {}),
    port,
    weight: 1,
  };
}

export { httpRouteName } from './names.js';

/**
 * Pure: one HTTPRoute per (service, environment) attached to the pre-prod Service (GAMMA), matching the
 * routing header exactly (Core conformance). Precedence gives our routes, with more matches, the edge over
 * the Service's default. Server defaults are written out so a re-render compares equal to what is stored.
 */
export function renderGatewayApi(
  envs: readonly Devenv[],
  s: GatewayRoutingSettings,
  ports: Readonly<Record<string, number>>,
): KubeObject[] {
  const portOf = (service: string) => ports[service] ?? DEFAULT_SERVICE_PORT;
  const objects: KubeObject[] = [];
  for (const env of sortedEnvs(envs)) {
    for (const { service, target } of [...env.overrides].sort((a, b) => a.service.localeCompare(b.service))) {
      objects.push({
        apiVersion: GATEWAY_API,
        kind: 'HTTPRoute',
        metadata: {
          name: httpRouteName(env.name, service),
          namespace: s.preprodNamespace,
          labels: ownLabels(s, { [DEVENV_LABEL]: env.name, [SERVICE_LABEL]: service }),
        },
        spec: {
          parentRefs: [{ group: '', kind: 'Service', name: service, port: portOf(service) }],
          rules: [
            {
              matches: [
                {
                  path: { type: 'PathPrefix', value: '/' },
                  headers: [{ type: 'Exact', name: s.routingHeader, value: env.name }],
                },
              ],
              backendRefs: [backendRef(target, s, portOf(service))],
            },
          ],
        },
      });
    }
    if (s.link) {
      const [gatewayNamespace, gatewayName] = s.link.gateway.split('/');
      const entry = s.link.entryService;
      const override = env.overrides.find((o) => o.service === entry);
      const target: OverrideTarget = override?.target ?? {
        kind: 'cluster',
        namespace: s.preprodNamespace,
        service: entry,
      };
      objects.push({
        apiVersion: GATEWAY_API,
        kind: 'HTTPRoute',
        metadata: {
          name: linkName('HTTPRoute', env.name),
          namespace: s.preprodNamespace,
          labels: ownLabels(s, { [DEVENV_LABEL]: env.name }),
        },
        spec: {
          parentRefs: [
            {
              group: 'gateway.networking.k8s.io',
              kind: 'Gateway',
              namespace: gatewayNamespace,
              name: gatewayName,
            },
          ],
          hostnames: [`${env.name}.${s.link.domain}`],
          rules: [
            {
              matches: [{ path: { type: 'PathPrefix', value: '/' } }],
              filters: [
                {
                  type: 'RequestHeaderModifier',
                  requestHeaderModifier: { set: [{ name: s.routingHeader, value: env.name }] },
                },
              ],
              backendRefs: [backendRef(target, s, portOf(entry))],
            },
          ],
        },
      });
    }
  }
  return objects;
}
