import { DnsStandIn } from '../support/dns-stand-in.js';
import * as k8s from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { httpRouteName, serviceEntryName, serviceVirtualServiceName } from '../../src/domain/devenv/names.js';
import type { KubeCluster } from '../../src/kube/cluster.js';
import { extendDevenv } from '../../src/use-cases/extend-devenv.js';
import { outboxOwnerNotifier, reapExpiredDevenvs } from '../../src/use-cases/devenv-upkeep.js';
import { MANAGER, replyText, startTestBot, type TestBot } from '../support/bot-harness.js';
import {
  createService,
  freshNamespace,
  getIstioObject,
  ISTIO,
  kubeConfig,
  listNames,
} from '../support/kube.js';

const DEV = 'UDEV00001';
const GATEWAY = { group: 'gateway.networking.k8s.io', version: 'v1' } as const;

describe('/devenv in a shared pre-prod: who may route what, and where (real kube-apiserver)', () => {
  const kubeconfigPath = inject('kubeconfigPath');
  const kc = kubeConfig(kubeconfigPath);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  let t: TestBot;
  let ns: string;
  let dns: DnsStandIn;
  beforeAll(async () => {
    dns = await new DnsStandIn().start();
    for (const [name, address] of [
      ['box.dev.acme.test', '203.0.113.1'],
      ['one.dev.acme.test', '203.0.113.2'],
      ['two.dev.acme.test', '203.0.113.3'],
      ['x.dev.acme.test', '203.0.113.4'],
    ] as const)
      dns.set(name, [address]);
  });
  afterAll(async () => {
    await dns.stop();
  });
  const start = async (
    extra: Record<string, string> = {},
    options: Parameters<typeof startTestBot>[1] = {},
  ) => {
    t = await startTestBot(
      {
        KUBECONFIG: kubeconfigPath,
        DEVENV_PREPROD_NAMESPACE: ns,
        DEVENV_NAMESPACE_TEMPLATE: `${ns}-{env}`,
        // Outside hosts are resolved before they are routed to: the test names answer public addresses.
        DEVENV_DNS_SERVERS: dns.server,
        ...extra,
      },
      options,
    );
  };
  const kube = () => (t.bot.services.devenv as unknown as { kube: KubeCluster }).kube;
  const everything = async () => [
    ...(await listNames(kc, ns, 'virtualservices')),
    ...(await listNames(kc, ns, 'serviceentries')),
    ...(await listNames(kc, ns, 'httproutes', GATEWAY.group)),
  ];
  const envs = async () => (await t.rows('select name from devenvs order by name')).map((r) => r.name);

  beforeEach(async () => {
    ns = await freshNamespace(kc, 'preprod');
    for (const svc of ['blog-service', 'tag-service', 'comment-service', 'y-z', 'z'])
      await createService(kc, ns, svc);
  });
  afterEach(async () => {
    await t?.stop();
  });

  it.each([
    ['comment-service@169.254.169.254:80', 'IP addresses are never allowed'],
    ['comment-service@0x7f000001.example.com:80', 'outside targets are off'],
    ['comment-service@metadata.google.internal:80', 'cloud metadata'],
    ['comment-service@kubernetes.default.svc.cluster.local:443', 'cluster-internal'],
    ['comment-service@api.stripe.com:443', 'outside targets are off'],
    ['comment-service@kube-system/kube-dns', 'DEVENV_TARGET_NAMESPACES'],
    ['comment-service@vault/vault', 'DEVENV_TARGET_NAMESPACES'],
  ])('refuses %s before any cluster call and writes nothing', async (text, why) => {
    // No start-up reconcile: every cluster call counted here is the command's.
    await start({}, { upkeep: 'manual' });
    const before = { ...kube().calls };
    const reply = replyText(await t.command('/devenv', `${text} name=bad`, DEV));
    expect(reply).toContain(why);
    expect(kube().calls).toEqual(before);
    expect(await everything()).toEqual([]);
    expect(await envs()).toEqual([]);
  });

  it('refuses a listed-host target that is an IP or cluster name even when the lists would allow it', async () => {
    await start({ DEVENV_EXTERNAL_HOSTS: '.internal,.cluster.local' });
    const reply = replyText(await t.command('/devenv', 'blog-service@metadata.google.internal:80', DEV));
    expect(reply).toContain('cloud metadata');
    expect(await everything()).toEqual([]);
  });

  it('accepts the forms Slack sends, escaped, and scopes the ServiceEntry to pre-prod', async () => {
    await start({ DEVENV_EXTERNAL_HOSTS: '.dev.acme.test', DEVENV_TARGET_NAMESPACES: 'team-*' });
    const reply = replyText(
      await t.command(
        '/devenv',
        'blog-service@<http://box.dev.acme.test:8443|box.dev.acme.test:8443> tag-service@team-x/tag-next name=esc',
        DEV,
      ),
    );
    expect(reply).toContain('Environment *esc* is live');
    const entry = await getIstioObject(kc, ns, 'serviceentries', serviceEntryName('esc', 'blog-service'));
    expect(entry.spec).toMatchObject({
      hosts: ['box.dev.acme.test'],
      exportTo: ['.'],
      location: 'MESH_EXTERNAL',
    });

    const mailto = replyText(
      await t.command(
        '/devenv',
        '<mailto:comment-service@box.dev.acme.test|comment-service@box.dev.acme.test>:8080 name=mail',
        DEV,
      ),
    );
    expect(mailto).toContain('Environment *mail* is live');
  });

  it('lets only DEVENV_USERS and named release managers create', async () => {
    await start({ DEVENV_USERS: 'UALLOWED1', RELEASE_MANAGERS: '*' });
    expect(replyText(await t.command('/devenv', 'blog-service name=no', DEV))).toContain('DEVENV_USERS');
    expect(await everything()).toEqual([]);
    expect(replyText(await t.command('/devenv', 'blog-service name=yes', 'UALLOWED1'))).toContain('is live');
    // RELEASE_MANAGERS=* lets everyone manage releases, not delete everyone's environments.
    expect(replyText(await t.command('/devenv', 'delete yes', DEV))).toContain('Only <@UALLOWED1>');
    expect(await envs()).toEqual(['yes']);
  });

  it('gives each (environment, service) pair its own objects: x/y-z and x-y/z do not collide', async () => {
    await start({ DEVENV_EXTERNAL_HOSTS: '.dev.acme.test' });
    await t.command('/devenv', 'y-z@one.dev.acme.test:80 name=x', DEV);
    await t.command('/devenv', 'z@two.dev.acme.test:80 name=x-y', DEV);
    await t.bot.services.upkeep.runOnce();
    const entries = await listNames(kc, ns, 'serviceentries');
    expect(entries).toEqual([serviceEntryName('x', 'y-z'), serviceEntryName('x-y', 'z')].sort());
    const hosts = await Promise.all(
      entries.map(async (name) => {
        const o = await getIstioObject(kc, ns, 'serviceentries', name);
        return o.spec.hosts?.[0];
      }),
    );
    expect(hosts.sort()).toEqual(['one.dev.acme.test', 'two.dev.acme.test']);
  });

  it('gives each pair its own HTTPRoute with Gateway API too', async () => {
    await start({ DEVENV_MESH: 'gateway-api', DEVENV_ROUTING_HEADER: 'x-devenv' });
    await t.command('/devenv', 'y-z name=x', DEV);
    await t.command('/devenv', 'z name=x-y', DEV);
    await t.bot.services.upkeep.runOnce();
    expect(await listNames(kc, ns, 'httproutes', GATEWAY.group)).toEqual(
      [httpRouteName('x', 'y-z'), httpRouteName('x-y', 'z')].sort(),
    );
  });

  it('renames old-style objects on reconcile: the new one is written before the old one goes', async () => {
    await start();
    await t.command('/devenv', 'blog-service name=ana', DEV);
    const current = serviceVirtualServiceName('blog-service');
    const vs = await getIstioObject(kc, ns, 'virtualservices', current);
    // What the first version of release-bot wrote: the same object under its old name.
    await custom.deleteNamespacedCustomObject({
      ...ISTIO,
      namespace: ns,
      plural: 'virtualservices',
      name: current,
    });
    await custom.createNamespacedCustomObject({
      ...ISTIO,
      namespace: ns,
      plural: 'virtualservices',
      body: {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'devenv-blog-service', namespace: ns, labels: vs.metadata.labels },
        spec: vs.spec,
      },
    });
    await t.bot.services.upkeep.runOnce();
    expect(await listNames(kc, ns, 'virtualservices')).toEqual([current]);
    const report = t.bot.services.upkeep.lastReconcile()!.report;
    expect(report.applied).toEqual([`VirtualService/${current}`]);
    expect(report.deleted).toEqual(['VirtualService/devenv-blog-service']);
  });

  it('never adopts a same-named object that is not ours, and leaves it unchanged', async () => {
    await start();
    const name = serviceVirtualServiceName('blog-service');
    await custom.createNamespacedCustomObject({
      ...ISTIO,
      namespace: ns,
      plural: 'virtualservices',
      body: {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name, namespace: ns },
        spec: {
          hosts: ['other.example.com'],
          http: [{ name: 'theirs', route: [{ destination: { host: 'other.example.com' } }] }],
        },
      },
    });
    const before = await getIstioObject(kc, ns, 'virtualservices', name);
    const reply = replyText(await t.command('/devenv', 'blog-service name=ana', DEV));
    expect(reply).toContain('is not managed by release-bot');
    const after = await getIstioObject(kc, ns, 'virtualservices', name);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(await envs()).toEqual([]);
  });

  it('holds DEVENV_MAX_PER_USER under 8 parallel creates', async () => {
    await start({ DEVENV_MAX_PER_USER: '3' });
    const services = [
      'blog-service',
      'tag-service',
      'comment-service',
      'y-z',
      'z',
      'blog-service',
      'tag-service',
      'z',
    ];
    const replies = await Promise.all(
      services.map((svc, i) => t.command('/devenv', `${svc} name=p${i}`, DEV)),
    );
    const live = replies.map(replyText).filter((r) => r.includes('is live'));
    expect(live).toHaveLength(3);
    expect(await envs()).toHaveLength(3);
    expect(replies.map(replyText).filter((r) => r.includes('the most one person may have'))).toHaveLength(5);
  });

  it('orders extend and the reaper on the host lock: the first decides, and extend never claims a removed environment', async () => {
    let now = Date.parse('2026-11-26T09:00:00Z');
    await start({}, { clock: { now: () => new Date(now) }, upkeep: 'manual' });
    await t.command('/devenv', 'blog-service name=ana ttl=1h', DEV);
    now += 2 * 3600_000;
    const deps = t.bot.services.devenv;
    const notifier = outboxOwnerNotifier(t.bot.services.outbox);
    const holdLock = () => {
      let release!: () => void;
      const held = deps.locks.withHosts(['blog-service'], () => new Promise<void>((r) => (release = r)));
      return { held, release: () => release() };
    };
    const tick = () => new Promise((r) => setTimeout(r, 50));

    // Extend queued first: it commits, and the reaper, re-reading under the lock, leaves the environment.
    let lock = holdLock();
    const extending = extendDevenv(deps, { userId: DEV }, 'ana', 3600);
    await tick();
    const reaping = reapExpiredDevenvs(deps, notifier);
    await tick();
    lock.release();
    await lock.held;
    expect(await extending).toEqual(new Date(now + 3600_000));
    expect(await reaping).toEqual([]);
    expect(await envs()).toEqual(['ana']);
    expect(await listNames(kc, ns, 'virtualservices')).toEqual([serviceVirtualServiceName('blog-service')]);

    // The reaper queued first: the environment goes, and the extend after it says so instead of "now lives until".
    now += 2 * 3600_000;
    lock = holdLock();
    const reapingFirst = reapExpiredDevenvs(deps, notifier);
    await tick();
    const late = extendDevenv(deps, { userId: DEV }, 'ana', 3600).then(
      () => 'extended',
      (error: Error) => error.message,
    );
    await tick();
    lock.release();
    await lock.held;
    expect(await reapingFirst).toHaveLength(1);
    expect(await late).toContain('`ana` is gone: it expired or was deleted');
    expect(await envs()).toEqual([]);
  });

  it('never runs two reconcile passes at once', async () => {
    await start({}, { upkeep: 'manual' });
    await t.command('/devenv', 'blog-service name=ana', DEV);
    const before = { ...kube().calls };
    await Promise.all([t.bot.services.upkeep.runOnce(), t.bot.services.upkeep.runOnce()]);
    const after = kube().calls;
    // One pass reads the VirtualServices and the ServiceEntries once: two overlapping ticks still make one.
    expect(after.reads - before.reads).toBe(2);
    expect(after.writes).toBe(before.writes);
  });

  it('survives 500 fuzzed /devenv texts: no 5xx, no unhandled rejection, no object for a refusal', async () => {
    await start({
      DEVENV_MAX_PER_USER: '50',
      DEVENV_MAX_TOTAL: '50',
      DEVENV_EXTERNAL_HOSTS: '.dev.acme.test',
    });
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    const pieces = [
      'blog-service',
      'tag-service',
      'nope',
      '@',
      '/',
      ':',
      '@@',
      'a@b',
      'x@kube-system/y',
      'y@169.254.169.254:80',
      'z@[::1]:80',
      'z@box.dev.acme.test:99999',
      '<http://x.dev.acme.test:80|x>',
      '<@U1|ana>',
      '<#C1|c>',
      'name=',
      'ttl=',
      'ttl=99d',
      'dry-run',
      'ünïcødé',
      '🙂',
      'a'.repeat(300),
      'show',
      'delete',
      'extend',
      'list',
      'status',
      '=',
      'name=UPPER',
      'constructor',
      '__proto__',
      'blog-service@team-x/y',
      '%00',
      '\\',
      '"',
      "'",
      '`',
    ];
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    /** Commands acked empty: their answer comes on their response_url, and every one must come. */
    const answeredLater: string[] = [];
    try {
      for (let i = 0; i < 500; i++) {
        const words = Array.from(
          { length: 1 + Math.floor(random() * 4) },
          () => pieces[Math.floor(random() * pieces.length)]!,
        );
        const res = await t.post(
          (await import('../support/slack-payloads.js')).slashCommandBody({
            command: '/devenv',
            text: words.join(' '),
            userId: i % 2 ? DEV : MANAGER,
            responseUrl: `${t.slack.url}/response/fuzz${i}`,
          }),
        );
        expect(res.status).toBeLessThan(500);
        const body = await res.text();
        if (body.trim() === '') answeredLater.push(`fuzz${i}`);
      }
      await t.slack.waitFor(
        () => answeredLater.every((id) => t.slack.responses.some((r) => r.id === id)),
        30_000,
      );
    } finally {
      process.off('unhandledRejection', onRejection);
    }
    expect(rejections).toEqual([]);
    // Some texts were valid, so there is something to check below.
    const accepted = new Set((await envs()) as string[]);
    expect(accepted.size).toBeGreaterThan(0);
    // Every route and ServiceEntry in the cluster belongs to an environment that was accepted.
    const virtualServices = (await custom.listNamespacedCustomObject({
      ...ISTIO,
      namespace: ns,
      plural: 'virtualservices',
    })) as { items: { spec: { http?: { name?: string }[] } }[] };
    const routedEnvs = new Set(
      virtualServices.items
        .flatMap((vs) => vs.spec.http ?? [])
        .map((route) => route.name ?? '')
        .filter((name) => name.startsWith('devenv-'))
        .map((name) => name.slice('devenv-'.length)),
    );
    const serviceEntries = (await custom.listNamespacedCustomObject({
      ...ISTIO,
      namespace: ns,
      plural: 'serviceentries',
    })) as { items: { metadata: { labels?: Record<string, string> } }[] };
    const entryEnvs = new Set(serviceEntries.items.map((o) => o.metadata.labels?.['release-bot.io/devenv']));
    expect([...routedEnvs].filter((env) => !accepted.has(env))).toEqual([]);
    expect([...entryEnvs].filter((env) => !accepted.has(env!))).toEqual([]);
    // And every accepted environment has its routes: the comparison above is not vacuous.
    expect([...accepted].filter((env) => !routedEnvs.has(env))).toEqual([]);
    expect(t.slack.responses.some((r) => JSON.stringify(r.body).includes('Something went wrong'))).toBe(
      false,
    );
  }, 120_000);
});
