import { describe, expect, it } from 'vitest';
import { devenvOf, ROUTING } from '../../support/devenv-fixtures.js';
import { linkName } from '../../../src/domain/devenv/names.js';
import { parseOverride, deriveEnvName, closestNames } from '../../../src/domain/devenv/model.js';
import {
  mergeRoutes,
  ownedVirtualService,
  renderIstio,
  renderIstioObjects,
} from '../../../src/domain/devenv/render-istio.js';
import { baggageRegex } from '../../../src/domain/devenv/routing.js';
import { renderGatewayApi } from '../../../src/domain/devenv/render-gateway-api.js';
import { ownershipOf } from '../../../src/domain/devenv/objects.js';

const settings = ROUTING;
const env = devenvOf;

describe('Istio rendering', () => {
  it('orders named routes by environment and puts the default last, whatever the input order', () => {
    const desired = renderIstio([env('zed', 'blog'), env('ana', 'blog', 'tag')], settings);
    expect(desired.services.map((s) => [s.service, s.routes.map((r) => r.name)])).toEqual([
      ['blog', ['devenv-ana', 'devenv-zed']],
      ['tag', ['devenv-ana']],
    ]);
    const vs = ownedVirtualService(desired.services[0]!);
    expect((vs.spec.http as { name: string }[]).map((r) => r.name)).toEqual([
      'devenv-ana',
      'devenv-zed',
      'default',
    ]);
  });

  it('is idempotent: rendering twice gives identical objects', () => {
    const envs = [env('b', 'blog@other/blog-next'), env('a', 'tag@box.example.com:9000')];
    expect(renderIstioObjects(envs, settings)).toEqual(renderIstioObjects([...envs].reverse(), settings));
  });

  it('labels every object with the installation id when one is given', () => {
    const withId = { ...settings, instance: 'rb-0123456789ab', routingHeader: 'x-devenv' };
    const objects = [
      ...renderIstioObjects([env('ana', 'blog', 'tag@box.example.com:9000')], withId),
      ...renderGatewayApi([env('ana', 'blog')], withId, {}),
    ];
    expect(objects.map((o) => `${o.kind}:${o.metadata.labels['release-bot.io/instance']}`)).toEqual([
      'ServiceEntry:rb-0123456789ab',
      'VirtualService:rb-0123456789ab',
      'VirtualService:rb-0123456789ab',
      'HTTPRoute:rb-0123456789ab',
    ]);
    expect(renderIstioObjects([env('ana', 'blog')], settings)[0]!.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'release-bot',
      'release-bot.io/service': 'blog',
    });
  });

  it.each([
    [{ 'app.kubernetes.io/managed-by': 'release-bot', 'release-bot.io/instance': 'rb-a' }, 'rb-a', 'ours'],
    [
      { 'app.kubernetes.io/managed-by': 'release-bot', 'release-bot.io/instance': 'rb-b' },
      'rb-a',
      'another-installation',
    ],
    [{ 'app.kubernetes.io/managed-by': 'release-bot' }, 'rb-a', 'legacy'],
    [{ 'app.kubernetes.io/managed-by': 'release-bot' }, undefined, 'ours'],
    [
      { 'app.kubernetes.io/managed-by': 'someone-else', 'release-bot.io/instance': 'rb-a' },
      'rb-a',
      'not-release-bot',
    ],
    [undefined, 'rb-a', 'not-release-bot'],
  ] as const)('judges labels %o seen by installation %s as %s', (labels, instance, expected) => {
    expect(ownershipOf(labels, instance)).toBe(expected);
  });

  it('uses an exact custom header when one is configured', () => {
    const desired = renderIstio([env('ana', 'blog')], { ...settings, routingHeader: 'x-devenv' });
    expect(desired.services[0]!.routes[0]!.match).toEqual([{ headers: { 'x-devenv': { exact: 'ana' } } }]);
  });

  it('renders a per-environment link through the gateway to the entry service', () => {
    const link = { domain: 'dev.example.com', gateway: 'istio-system/dev-gateway', entryService: 'web' };
    const objects = renderIstioObjects([env('ana', 'web')], { ...settings, link });
    expect(objects.find((o) => o.metadata.name === linkName('VirtualService', 'ana'))).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: {
        name: linkName('VirtualService', 'ana'),
        namespace: 'preprod',
        labels: { 'app.kubernetes.io/managed-by': 'release-bot', 'release-bot.io/devenv': 'ana' },
      },
      spec: {
        hosts: ['ana.dev.example.com'],
        gateways: ['istio-system/dev-gateway'],
        http: [
          {
            name: 'devenv-ana',
            headers: { request: { set: { baggage: 'devenv=ana' } } },
            route: [{ destination: { host: 'web.devenv-ana.svc.cluster.local' } }],
          },
        ],
      },
    });
  });

  it('merges into foreign routes: ours first, theirs untouched, our stale routes replaced', () => {
    const theirs = [
      { name: 'devenv-old', route: [] },
      { name: 'main', timeout: '5s', route: [] },
    ];
    const ours = renderIstio([env('ana', 'blog')], settings).services[0]!.routes;
    expect(mergeRoutes(theirs, ours)).toEqual([...ours, { name: 'main', timeout: '5s', route: [] }]);
    expect(mergeRoutes(theirs, [])).toEqual([{ name: 'main', timeout: '5s', route: [] }]);
  });
});

describe('the baggage routing key', () => {
  const re = (env: string) => new RegExp(baggageRegex(env));
  it.each([
    ['devenv=ana', true],
    ['userId=7,devenv=ana', true],
    ['userId=7, devenv=ana ;prop=1, other=2', true],
    ['devenv=ana,other=2', true],
    ['devenv=anabel', false],
    ['xdevenv=ana', false],
    ['devenv=zed,other=ana', false],
  ])('%s → %s', (baggage, matches) => {
    expect(re('ana').test(baggage)).toBe(matches);
  });
});

describe('environment names and targets', () => {
  it('derives a DNS label from the Slack name', () => {
    expect(deriveEnvName('Ana.María_López', 'x1y2z')).toBe('ana-mar-a-l-pez-x1y2z');
    expect(deriveEnvName('a'.repeat(40), 'x1y2z')).toHaveLength(30);
  });
  it.each([
    [
      'blog',
      { service: 'blog', target: { kind: 'devenv-namespace', namespace: 'devenv-ana', service: 'blog' } },
    ],
    [
      'blog@team/blog-next',
      { service: 'blog', target: { kind: 'cluster', namespace: 'team', service: 'blog-next' } },
    ],
    [
      'blog@box.example.com:8080',
      { service: 'blog', target: { kind: 'external', host: 'box.example.com', port: 8080 } },
    ],
  ])('parses %s', (token, expected) => {
    expect(parseOverride(token, 'devenv-ana')).toEqual(expected);
  });
  it('suggests close service names', () => {
    expect(closestNames('blog-servce', ['blog-service', 'tag-service', 'user-service'])).toEqual([
      'blog-service',
    ]);
  });
});
