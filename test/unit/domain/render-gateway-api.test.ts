import { describe, expect, it } from 'vitest';
import { devenvOf, HEADER_ROUTING } from '../../support/devenv-fixtures.js';
import { httpRouteName, linkName } from '../../../src/domain/devenv/names.js';
import { renderGatewayApi } from '../../../src/domain/devenv/render-gateway-api.js';

const settings = HEADER_ROUTING;
const env = devenvOf;

describe('Gateway API rendering', () => {
  it('renders one HTTPRoute per service and environment, attached to the pre-prod Service, matching the header exactly', () => {
    const [route] = renderGatewayApi([env('ana', 'blog')], settings, { blog: 8080 });
    expect(route).toEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: {
        name: httpRouteName('ana', 'blog'),
        namespace: 'preprod',
        labels: {
          'app.kubernetes.io/managed-by': 'release-bot',
          'release-bot.io/devenv': 'ana',
          'release-bot.io/service': 'blog',
        },
      },
      spec: {
        parentRefs: [{ group: '', kind: 'Service', name: 'blog', port: 8080 }],
        rules: [
          {
            matches: [
              {
                path: { type: 'PathPrefix', value: '/' },
                headers: [{ type: 'Exact', name: 'x-devenv', value: 'ana' }],
              },
            ],
            backendRefs: [
              { group: '', kind: 'Service', name: 'blog', namespace: 'devenv-ana', port: 8080, weight: 1 },
            ],
          },
        ],
      },
    });
  });

  it('is stable whatever the input order', () => {
    const a = [env('zed', 'tag', 'blog'), env('ana', 'blog')];
    expect(renderGatewayApi(a, settings, {}).map((o) => o.metadata.name)).toEqual([
      httpRouteName('ana', 'blog'),
      httpRouteName('zed', 'blog'),
      httpRouteName('zed', 'tag'),
    ]);
    expect(renderGatewayApi([...a].reverse(), settings, {})).toEqual(renderGatewayApi(a, settings, {}));
  });

  it('renders the per-environment link on the Gateway with a RequestHeaderModifier', () => {
    const link = { domain: 'dev.example.com', gateway: 'infra/dev-gw', entryService: 'web' };
    const objects = renderGatewayApi([env('ana', 'blog')], { ...settings, link }, { web: 80 });
    expect(objects.find((o) => o.metadata.name === linkName('HTTPRoute', 'ana'))?.spec).toEqual({
      parentRefs: [
        { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra', name: 'dev-gw' },
      ],
      hostnames: ['ana.dev.example.com'],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          filters: [
            {
              type: 'RequestHeaderModifier',
              requestHeaderModifier: { set: [{ name: 'x-devenv', value: 'ana' }] },
            },
          ],
          backendRefs: [{ group: '', kind: 'Service', name: 'web', port: 80, weight: 1 }],
        },
      ],
    });
  });
});
