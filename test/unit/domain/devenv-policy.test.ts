import { describe, expect, it } from 'vitest';
import { parseOverride } from '../../../src/domain/devenv/model.js';
import {
  httpRouteName,
  linkName,
  serviceEntryName,
  serviceVirtualServiceName,
} from '../../../src/domain/devenv/names.js';
import {
  forbiddenHostReason,
  isIpLiteral,
  targetRefusal,
  unwrapSlackMarkup,
  type DevenvPolicy,
} from '../../../src/domain/devenv/policy.js';

const policy = (extra: Partial<DevenvPolicy> = {}): DevenvPolicy => ({
  creators: { everyone: true, ids: [] },
  clusterCidrs: [],
  targetNamespaces: [],
  externalHosts: [],
  clusterDomain: 'cluster.local',
  ...extra,
});
const refusal = (token: string, p: DevenvPolicy = policy()) =>
  targetRefusal(parseOverride(token, 'devenv-ana'), 'devenv-ana', p);

describe('where a /devenv route may point', () => {
  it.each([
    '169.254.169.254',
    '10.0.0.1',
    '0x7f000001',
    '2130706433',
    '0177.0.0.1',
    '0x7f.0.0.1',
    '::1',
    '[fe80::1]',
    'box.123',
  ])('%s is an IP literal', (host) => {
    expect(isIpLiteral(host)).toBe(true);
  });

  it.each(['box.dev.example.com', 'api.stripe.com', '1password.com'])('%s is a name', (host) => {
    expect(isIpLiteral(host)).toBe(false);
  });

  it.each([
    ['localhost', 'localhost'],
    ['api.localhost', 'localhost'],
    ['metadata', 'metadata'],
    ['metadata.google.internal', 'metadata'],
    ['vault.corp.internal', '.internal'],
    ['kubernetes.default.svc.cluster.local', 'cluster-internal'],
    ['kubernetes.default', 'cluster-internal'],
    ['blog.preprod.svc', 'cluster-internal'],
    ['blog.preprod.svc.cluster.local', 'cluster-internal'],
    ['169.254.169.254', 'IP addresses'],
  ])('%s is never a target', (host, why) => {
    expect(forbiddenHostReason(host, 'cluster.local')).toContain(why);
  });

  it('refuses outside targets by default, naming the setting that allows them', () => {
    expect(refusal('blog@box.dev.example.com:8443')).toContain('DEVENV_EXTERNAL_HOSTS');
  });

  it('allows listed outside hosts, exact or by suffix, and nothing else', () => {
    const p = policy({ externalHosts: ['.dev.example.com', 'api.partner.test'] });
    expect(refusal('blog@box.dev.example.com:8443', p)).toBeUndefined();
    expect(refusal('blog@api.partner.test:443', p)).toBeUndefined();
    expect(refusal('blog@evil-dev.example.com:443', p)).toContain('is not an allowed outside host');
    expect(refusal('blog@api.stripe.com:443', p)).toContain('is not an allowed outside host');
  });

  it('refuses forbidden hosts even when an allow list would match them', () => {
    const p = policy({ externalHosts: ['.internal', '.cluster.local', 'localhost'] });
    expect(refusal('blog@metadata.google.internal:80', p)).toContain('metadata');
    expect(refusal('blog@kubernetes.default.svc.cluster.local:443', p)).toContain('cluster-internal');
    expect(refusal('blog@api.localhost:80', p)).toContain('localhost');
  });

  it('allows the own namespace and listed namespaces, refuses the rest', () => {
    const p = policy({ targetNamespaces: ['team-*', 'shared'] });
    expect(refusal('blog@devenv-ana/blog-next', p)).toBeUndefined();
    expect(refusal('blog@team-x/blog-next', p)).toBeUndefined();
    expect(refusal('blog@shared/blog-next', p)).toBeUndefined();
    expect(refusal('blog@kube-system/kube-dns', p)).toContain('DEVENV_TARGET_NAMESPACES');
    expect(refusal('blog@vault/vault', policy())).toContain('DEVENV_TARGET_NAMESPACES');
  });
});

describe("Slack's escaping, undone before parsing", () => {
  it.each([
    ['blog@<http://box.dev.acme.test:8443|box.dev.acme.test:8443>', 'blog@box.dev.acme.test:8443'],
    ['blog@<https://box.dev.acme.test>', 'blog@box.dev.acme.test'],
    ['<mailto:blog@box.dev.acme.test|blog@box.dev.acme.test>:8443', 'blog@box.dev.acme.test:8443'],
    ['<@U123|ana> name=x', '@ana name=x'],
    ['<#C123|general>', '#general'],
    ['plain text', 'plain text'],
  ])('%s → %s', (escaped, plain) => {
    expect(unwrapSlackMarkup(escaped)).toBe(plain);
  });
});

describe('generated object names', () => {
  it('do not collide where plain concatenation would', () => {
    expect(serviceEntryName('x', 'y-z')).not.toBe(serviceEntryName('x-y', 'z'));
    expect(httpRouteName('x', 'y-z')).not.toBe(httpRouteName('x-y', 'z'));
    expect(serviceVirtualServiceName('link-ana')).not.toBe(linkName('VirtualService', 'ana'));
  });

  it('are valid DNS labels, stable, and readable', () => {
    const long = serviceEntryName('a'.repeat(30), 'b'.repeat(63));
    for (const name of [long, serviceVirtualServiceName('blog-service'), linkName('HTTPRoute', 'ana')]) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/);
    }
    // Pinned: these names live in clusters, so a new salt or hash would orphan every installed object.
    expect([
      serviceVirtualServiceName('blog-service'),
      serviceEntryName('ana', 'blog-service'),
      linkName('HTTPRoute', 'ana'),
      httpRouteName('ana', 'tag-service'),
      long,
    ]).toEqual([
      'devenv-blog-service-3af0c3c2',
      'devenv-ana-blog-service-60566940',
      'devenv-link-ana-342eec60',
      'devenv-ana-tag-service-04ddd69e',
      'devenv-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-bbbbbbbbbbbbbbbb-7a2f0530',
    ]);
  });
});
