import { describe, expect, it } from 'vitest';
import type { Override } from '../../../src/domain/devenv/model.js';
import {
  forbiddenHostReason,
  isIpLiteral,
  targetRefusal,
  unwrapSlackMarkup,
  type DevenvPolicy,
} from '../../../src/domain/devenv/policy.js';

const policy = (over: Partial<DevenvPolicy> = {}): DevenvPolicy => ({
  creators: { everyone: true, ids: [] },
  clusterCidrs: [],
  targetNamespaces: ['team-*', 'qa?', 'a.b', 'x+'],
  externalHosts: ['.dev.example.com', 'box.example.org'],
  clusterDomain: 'cluster.local',
  ...over,
});
const cluster = (namespace: string): Override => ({
  service: 'blog',
  target: { kind: 'cluster', namespace, service: 'b' },
});
const external = (host: string, port = 8080): Override => ({
  service: 'blog',
  target: { kind: 'external', host, port },
});

describe('devenv policy, exactly', () => {
  it.each([
    ['10.0.0.1', true],
    ['[::1]', true],
    ['fd00::1', true],
    ['0x7f.0.0.1', true],
    ['0177.0.0.1', true],
    ['2130706433', true],
    ['1.2.3.4.5', true],
    ['foo.123', true],
    ['a.1.2.3', true],
    ['1.2.3.a', false],
    ['1.2.3.example.com', false],
    ['box.example.com', false],
    ['123abc.example.com', false],
    ['[box', false],
  ])('isIpLiteral(%j) is %s', (host, ip) => {
    expect(isIpLiteral(host)).toBe(ip);
  });

  it.each([
    ['localhost', '`localhost` is never allowed as a target'],
    ['app.localhost.', '`localhost` is never allowed as a target'],
    ['metadata', 'cloud metadata and `.internal` names are never allowed as targets'],
    ['Metadata.Google.Internal', 'cloud metadata and `.internal` names are never allowed as targets'],
    ['instance-data', 'cloud metadata and `.internal` names are never allowed as targets'],
    ['db.corp.internal', 'cloud metadata and `.internal` names are never allowed as targets'],
    ['blog.preprod.svc', 'cluster-internal names are not external targets: use `service@namespace/name`'],
    [
      'blog.preprod.svc.cluster.local',
      'cluster-internal names are not external targets: use `service@namespace/name`',
    ],
    ['cluster.local', 'cluster-internal names are not external targets: use `service@namespace/name`'],
    ['x.cluster.local', 'cluster-internal names are not external targets: use `service@namespace/name`'],
    ['kubernetes', 'cluster-internal names are not external targets: use `service@namespace/name`'],
    [
      'kubernetes.default.svc',
      'cluster-internal names are not external targets: use `service@namespace/name`',
    ],
    ['kubernetes.default', 'cluster-internal names are not external targets: use `service@namespace/name`'],
    ['10.1.2.3', 'IP addresses are never allowed as targets (use a DNS name)'],
  ])('never routes to %j', (host, reason) => {
    expect(forbiddenHostReason(host, 'Cluster.Local')).toBe(reason);
  });

  it.each([
    'box.example.com',
    'metadata-service.example.com',
    'mycluster.local.example.com',
    'svc.example.com',
    'my-kubernetes.example.com',
    'internal.example.com',
  ])('may consider %j', (host) => {
    expect(forbiddenHostReason(host, 'cluster.local')).toBeUndefined();
  });

  it.each([
    ['devenv-ana', undefined],
    ['team-blog', undefined],
    ['qa1', undefined],
    ['a.b', undefined],
    ['x+', undefined],
    ['xx', 'x'],
    ['axb', 'x'],
    ['qa12', 'x'],
    ['team', 'x'],
    ['kube-system', 'x'],
  ])('routes into namespace %j: %j', (namespace, refused) => {
    const message = `\`blog\` may not point into namespace \`${namespace}\`: only the environment's own namespace \`devenv-ana\` and \`team-*\`, \`qa?\`, \`a.b\`, \`x+\` are allowed (DEVENV_TARGET_NAMESPACES).`;
    expect(targetRefusal(cluster(namespace), 'devenv-ana', policy())).toBe(refused && message);
  });

  it('names only the own namespace when no others are allowed', () => {
    expect(targetRefusal(cluster('team-x'), 'devenv-ana', policy({ targetNamespaces: [] }))).toBe(
      "`blog` may not point into namespace `team-x`: only the environment's own namespace `devenv-ana` are allowed (DEVENV_TARGET_NAMESPACES).",
    );
    expect(
      targetRefusal(
        { service: 'blog', target: { kind: 'devenv-namespace', namespace: 'x', service: 'blog' } },
        'y',
        policy(),
      ),
    ).toBeUndefined();
  });

  it.each<[string, number, string | undefined]>([
    ['laptop.dev.example.com', 8080, undefined],
    ['Laptop.Dev.Example.com', 1, undefined],
    ['box.example.org', 65535, undefined],
    ['box.example.org', 0, 'port 0 is not between 1 and 65535.'],
    ['box.example.org', 65536, 'port 65536 is not between 1 and 65535.'],
    [
      'dev.example.com',
      80,
      '`dev.example.com` is not an allowed outside host (DEVENV_EXTERNAL_HOSTS: `.dev.example.com`, `box.example.org`).',
    ],
    [
      'x.box.example.org',
      80,
      '`x.box.example.org` is not an allowed outside host (DEVENV_EXTERNAL_HOSTS: `.dev.example.com`, `box.example.org`).',
    ],
    [
      'evil-dev.example.com',
      80,
      '`evil-dev.example.com` is not an allowed outside host (DEVENV_EXTERNAL_HOSTS: `.dev.example.com`, `box.example.org`).',
    ],
    [
      '169.254.169.254',
      80,
      '`blog@169.254.169.254:80`: IP addresses are never allowed as targets (use a DNS name).',
    ],
  ])('routes outside to %s:%i: %j', (host, port, refusal) => {
    expect(targetRefusal(external(host, port), 'devenv-ana', policy())).toBe(refusal);
  });

  it('refuses every outside host while none are allowed, saying which setting allows them', () => {
    expect(
      targetRefusal(external('laptop.dev.example.com'), 'devenv-ana', policy({ externalHosts: [] })),
    ).toBe(
      '`blog` points outside the cluster, and outside targets are off: an operator can allow hosts with DEVENV_EXTERNAL_HOSTS (e.g. `.dev.example.com`).',
    );
  });

  it.each([
    ['<http://host:8443|host:8443>', 'host:8443'],
    ['<https://host/>', 'host'],
    ['<http://host/path/>', 'host/path'],
    ['<ftp://host/>', 'ftp://host'],
    ['<mailto:a@b.c|a@b.c>', 'a@b.c'],
    ['<mailto:a@b.c>', 'a@b.c'],
    ['<@U123|ana>', '@ana'],
    ['<@U123|@ana>', '@ana'],
    ['<@U123>', '@U123'],
    ['<#C1|releases>', '#releases'],
    ['<#C1|#releases>', '#releases'],
    ['<!here>', '!here'],
    ['<!subteam^S1|qa>', '@qa'],
    ['a <@U1|b> c', 'a @b c'],
    ['x@y', 'x@y'],
  ])('unwraps %j as %j', (text, plain) => {
    expect(unwrapSlackMarkup(text)).toBe(plain);
  });
});
