import { describe, expect, it } from 'vitest';
import { devenvOf, ROUTING } from '../../support/devenv-fixtures.js';
import { renderIstioObjects } from '../../../src/domain/devenv/render-istio.js';

const settings = ROUTING;
const env = devenvOf;
const managed = { 'app.kubernetes.io/managed-by': 'release-bot' };
const baggage = (name: string) => [
  { headers: { baggage: { regex: `^(.*,)?\\s*devenv=${name}\\s*(;[^,]*)?(,.*)?$` } } },
];

describe('Istio objects, written out whole', () => {
  it('renders ServiceEntries first, then one VirtualService per service with our routes and the default last', () => {
    const objects = renderIstioObjects(
      [env('bo', 'blog'), env('ana', 'blog@box.dev.example.com:8080', 'tag@team-x/tag-next', 'search')],
      settings,
    );
    expect(objects).toEqual([
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'ServiceEntry',
        metadata: {
          name: 'devenv-ana-blog-f9cfb2e6',
          namespace: 'preprod',
          labels: { ...managed, 'release-bot.io/devenv': 'ana', 'release-bot.io/service': 'blog' },
        },
        spec: {
          hosts: ['box.dev.example.com'],
          exportTo: ['.'],
          location: 'MESH_EXTERNAL',
          resolution: 'DNS',
          ports: [{ number: 8080, name: 'http-8080', protocol: 'HTTP' }],
        },
      },
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: {
          name: 'devenv-blog-eab3f5e8',
          namespace: 'preprod',
          labels: { ...managed, 'release-bot.io/service': 'blog' },
        },
        spec: {
          hosts: ['blog.preprod.svc.cluster.local'],
          http: [
            {
              name: 'devenv-ana',
              match: baggage('ana'),
              route: [{ destination: { host: 'box.dev.example.com', port: { number: 8080 } } }],
            },
            {
              name: 'devenv-bo',
              match: baggage('bo'),
              route: [{ destination: { host: 'blog.devenv-bo.svc.cluster.local' } }],
            },
            { name: 'default', route: [{ destination: { host: 'blog.preprod.svc.cluster.local' } }] },
          ],
        },
      },
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: {
          name: 'devenv-search-9f61ed68',
          namespace: 'preprod',
          labels: { ...managed, 'release-bot.io/service': 'search' },
        },
        spec: {
          hosts: ['search.preprod.svc.cluster.local'],
          http: [
            {
              name: 'devenv-ana',
              match: baggage('ana'),
              route: [{ destination: { host: 'search.devenv-ana.svc.cluster.local' } }],
            },
            { name: 'default', route: [{ destination: { host: 'search.preprod.svc.cluster.local' } }] },
          ],
        },
      },
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: {
          name: 'devenv-tag-83dd779c',
          namespace: 'preprod',
          labels: { ...managed, 'release-bot.io/service': 'tag' },
        },
        spec: {
          hosts: ['tag.preprod.svc.cluster.local'],
          http: [
            {
              name: 'devenv-ana',
              match: baggage('ana'),
              route: [{ destination: { host: 'tag-next.team-x.svc.cluster.local' } }],
            },
            { name: 'default', route: [{ destination: { host: 'tag.preprod.svc.cluster.local' } }] },
          ],
        },
      },
    ]);
  });

  it('puts a link VirtualService after the service routes, setting the routing header it matches', () => {
    const objects = renderIstioObjects([env('ana', 'blog')], {
      ...settings,
      routingHeader: 'x-devenv',
      link: { domain: 'dev.example.com', gateway: 'istio-system/dev', entryService: 'web' },
    });
    expect(objects.map((o) => [o.kind, o.metadata.name])).toEqual([
      ['VirtualService', 'devenv-blog-eab3f5e8'],
      ['VirtualService', 'devenv-link-ana-73fd714b'],
    ]);
    expect(objects[0]!.spec.http).toEqual([
      {
        name: 'devenv-ana',
        match: [{ headers: { 'x-devenv': { exact: 'ana' } } }],
        route: [{ destination: { host: 'blog.devenv-ana.svc.cluster.local' } }],
      },
      { name: 'default', route: [{ destination: { host: 'blog.preprod.svc.cluster.local' } }] },
    ]);
    expect(objects[1]!.spec.http).toEqual([
      {
        name: 'devenv-ana',
        headers: { request: { set: { 'x-devenv': 'ana' } } },
        route: [{ destination: { host: 'web.preprod.svc.cluster.local' } }],
      },
    ]);
  });
});
