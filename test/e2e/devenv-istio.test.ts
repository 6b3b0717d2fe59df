import { DnsStandIn } from '../support/dns-stand-in.js';
import { devenvOf, ROUTING } from '../support/devenv-fixtures.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { linkName, serviceEntryName, serviceVirtualServiceName } from '../../src/domain/devenv/names.js';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { KubeCluster, type ObservedObject } from '../../src/kube/cluster.js';
import { IstioRouteApplier } from '../../src/kube/istio-applier.js';
import { ActionIds } from '../../src/slack/ids.js';
import { replyText, startTestBot, type TestBot } from '../support/bot-harness.js';
import {
  createService,
  createVirtualService,
  freshNamespace,
  getIstioObject,
  getVirtualService,
  kubeConfig,
  kubeconfigWithContext,
  listNames,
  replaceVirtualService,
  watchIstio,
} from '../support/kube.js';

const DEV = 'UDEV00001';

describe('/devenv with Istio on a real kube-apiserver', () => {
  const kubeconfigPath = inject('kubeconfigPath');
  const kc = kubeConfig(kubeconfigPath);
  let t: TestBot;
  let ns: string;
  const host = (svc: string) => `${svc}.${ns}.svc.cluster.local`;
  const routeNames = async (svc: string) =>
    (await getVirtualService(kc, ns, serviceVirtualServiceName(svc))).spec.http.map((r) => r.name);

  let dns: DnsStandIn;

  beforeEach(async () => {
    dns = await new DnsStandIn().start();
    dns.set('laptop.dev.example.com', ['203.0.113.10']);
    ns = await freshNamespace(kc, 'preprod');
    for (const svc of ['blog-service', 'tag-service', 'user-service', 'web-frontend'])
      await createService(kc, ns, svc);
    t = await startTestBot({
      KUBECONFIG: kubeconfigPath,
      DEVENV_PREPROD_NAMESPACE: ns,
      DEVENV_NAMESPACE_TEMPLATE: `${ns}-{env}`,
      DEVENV_TARGET_NAMESPACES: 'team-*',
      DEVENV_EXTERNAL_HOSTS: '.dev.example.com',
      DEVENV_DNS_SERVERS: dns.server,
      DEVENV_CLUSTER_CIDRS: '10.96.0.0/12,fd00:10::/108',
    });
  });
  afterEach(async () => {
    await t.stop();
    await dns.stop();
  });

  it('checks outside hosts where they resolve: private, unique-local and cluster answers are refused', async () => {
    dns.set('ten.dev.example.com', ['10.1.2.3']);
    dns.set('six.dev.example.com', ['203.0.113.7', 'fd00::1']);
    dns.set('svc.dev.example.com', ['::ffff:10.96.0.5']);
    const refused = async (target: string) =>
      replyText(await t.command('/devenv', `blog-service@${target}:8080 name=x`, DEV));
    expect(await refused('ten.dev.example.com')).toContain(
      '`ten.dev.example.com` resolves to 10.1.2.3, a private address: pre-prod traffic may only go to public addresses.',
    );
    expect(await refused('six.dev.example.com')).toContain('fd00::1, a unique-local address');
    expect(await refused('SVC.dev.example.com')).toContain('10.96.0.5, a private address');
    expect(await refused('gone.dev.example.com')).toContain(
      '`gone.dev.example.com` has no A or AAAA record: an outside target must resolve to a public address.',
    );
    expect(dns.queries).toContainEqual({ name: 'svc.dev.example.com', type: 'AAAA' });
    expect(await t.rows('select count(*) n from devenvs')).toEqual([{ n: 0 }]);
    expect(await listNames(kc, ns, 'serviceentries')).toEqual([]);
  });

  it('takes a route down, and tells its owner, when its outside host turns to the metadata address', async () => {
    dns.set('flip.dev.example.com', ['203.0.113.20']);
    const reply = replyText(
      await t.command('/devenv', 'blog-service@flip.dev.example.com:8080 name=flip', DEV),
    );
    expect(reply).toContain('Environment *flip* is live');
    await t.bot.services.upkeep.reconcileNow();
    expect(await t.rows('select name from devenvs')).toEqual([{ name: 'flip' }]);
    // The record changes after the check (DNS rebinding): the next reconcile sees it.
    dns.set('flip.dev.example.com', ['169.254.169.254']);
    await t.bot.services.upkeep.reconcileNow();
    expect(await t.rows('select count(*) n from devenvs')).toEqual([{ n: 0 }]);
    expect(await listNames(kc, ns, 'serviceentries')).toEqual([]);
    expect(
      JSON.stringify(
        (
          await getVirtualService(kc, ns, serviceVirtualServiceName('blog-service')).catch(() => ({
            spec: {},
          }))
        ).spec,
      ),
    ).not.toContain('flip.dev.example.com');
    const dm = await t.slack.waitFor(() =>
      t.slack
        .deliveredOf('chat.postMessage')
        .find((c) => c.args.channel === DEV && String(c.args.text).includes('169.254.169.254')),
    );
    expect(String(dm.args.text)).toContain('Your environment *flip* is removed');
    expect(await t.rows("select action from audit_events where action like 'devenv_unsafe%'")).toEqual([
      { action: 'devenv_unsafe_target' },
    ]);
  });

  it('builds one VirtualService per overridden service, with the routing key route before the default', async () => {
    const reply = replyText(await t.command('/devenv', 'blog-service tag-service name=ana', DEV));
    expect(reply).toContain('Environment *ana* is live');
    expect(reply).toContain("`curl -H 'baggage: devenv=ana'");
    expect(reply).toContain(`• *blog-service* → \`${ns}-ana/blog-service\` · :warning: target not found yet`);
    const vs = await getVirtualService(kc, ns, serviceVirtualServiceName('blog-service'));
    const [{ instance_id: instance }] = (await t.rows('select instance_id from installation')) as [
      { instance_id: string },
    ];
    expect(vs.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'release-bot',
      'release-bot.io/instance': instance,
      'release-bot.io/service': 'blog-service',
    });
    expect(vs.spec).toEqual({
      hosts: [host('blog-service')],
      http: [
        {
          name: 'devenv-ana',
          match: [{ headers: { baggage: { regex: '^(.*,)?\\s*devenv=ana\\s*(;[^,]*)?(,.*)?$' } } }],
          route: [{ destination: { host: `blog-service.${ns}-ana.svc.cluster.local` } }],
        },
        { name: 'default', route: [{ destination: { host: host('blog-service') } }] },
      ],
    });
    expect(await listNames(kc, ns, 'virtualservices')).toEqual([
      serviceVirtualServiceName('blog-service'),
      serviceVirtualServiceName('tag-service'),
    ]);
    expect(await t.rows('select name, owner, state from devenvs')).toEqual([
      { name: 'ana', owner: DEV, state: 'live' },
    ]);
  });

  it('shares one VirtualService between environments and removes only the deleted one’s route', async () => {
    await t.command('/devenv', 'blog-service name=zed', DEV);
    await t.command('/devenv', 'blog-service tag-service name=ana', 'UDEV00002');
    expect(await routeNames('blog-service')).toEqual(['devenv-ana', 'devenv-zed', 'default']);

    const refused = replyText(await t.command('/devenv', 'delete ana', DEV));
    expect(refused).toContain('Only <@UDEV00002> (its owner) or a release manager may delete `ana`');
    expect(replyText(await t.command('/devenv', 'delete ana', 'UDEV00002'))).toContain(
      'Environment *ana* is deleted',
    );
    expect(await routeNames('blog-service')).toEqual(['devenv-zed', 'default']);
    expect(await listNames(kc, ns, 'virtualservices')).toEqual([serviceVirtualServiceName('blog-service')]);

    const { responseId } = await t.click(ActionIds.devenvDelete, 'zed', DEV);
    expect(replyText(await t.slack.waitForResponse(responseId))).toContain('Environment *zed* is deleted');
    expect(await listNames(kc, ns, 'virtualservices')).toEqual([]);
    expect(await t.rows('select count(*) n from devenvs')).toEqual([{ n: 0 }]);
  });

  it('inserts its routes first into a foreign VirtualService and leaves it exactly as it was after delete', async () => {
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    const foreign = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'blog-platform', namespace: ns, annotations: { team: 'platform' } },
      spec: {
        hosts: ['blog-service'],
        http: [
          {
            name: 'canary',
            match: [{ headers: { 'x-canary': { exact: '1' } } }],
            route: [{ destination: { host: 'blog-canary' } }],
          },
          {
            name: 'main',
            timeout: '5s',
            retries: { attempts: 3, perTryTimeout: '2s' },
            route: [{ destination: { host: 'blog-service' } }],
          },
        ],
      },
    };
    await objects.patch(
      foreign,
      undefined,
      undefined,
      'platform-team',
      true,
      k8s.PatchStrategy.ServerSideApply,
    );
    const original = await getVirtualService(kc, ns, 'blog-platform');

    await t.command('/devenv', 'blog-service name=ana', DEV);
    const merged = await getVirtualService(kc, ns, 'blog-platform');
    expect(merged.spec.http.map((r) => r.name)).toEqual(['devenv-ana', 'canary', 'main']);
    expect(merged.spec.http.slice(1)).toEqual(original.spec.http);
    expect(await listNames(kc, ns, 'virtualservices')).toEqual(['blog-platform']);
    // `show` lists the foreign VirtualService with our route only: the platform team's routes are theirs.
    const shown = replyText(await t.command('/devenv', 'show ana', DEV));
    expect(shown).toContain('name: blog-platform');
    expect(shown).toContain('devenv-ana');
    expect(shown).not.toContain('canary');
    expect(shown).not.toContain('perTryTimeout');

    await t.command('/devenv', 'delete ana', DEV);
    const after = await getVirtualService(kc, ns, 'blog-platform');
    expect(after.spec).toEqual(original.spec);
    expect((after.metadata as { annotations?: unknown }).annotations).toEqual({ team: 'platform' });
  });

  it('retries a read-modify-write that lost a race (409) and keeps both changes', async () => {
    await createVirtualService(kc, ns, 'blog-platform', {
      hosts: [host('blog-service')],
      http: [{ name: 'main', route: [{ destination: { host: host('blog-service') } }] }],
    });
    /** Someone else edits the object between our read and our write: the real API server answers 409. */
    class RacedCluster extends KubeCluster {
      raced = false;
      override async replace(object: ObservedObject): Promise<void> {
        if (!this.raced) {
          this.raced = true;
          const current = await getVirtualService(kc, ns, 'blog-platform');
          await replaceVirtualService(kc, ns, 'blog-platform', {
            ...current,
            spec: { ...current.spec, gateways: ['mesh'] },
          });
        }
        return super.replace(object);
      }
    }
    const applier = new IstioRouteApplier(new RacedCluster(kc), { ...ROUTING, preprodNamespace: ns });
    const env = devenvOf('ana', 'blog-service@dev/blog-service');
    const report = await applier.converge([env]);
    expect(report.conflictsRetried).toBe(1);
    const after = await getVirtualService(kc, ns, 'blog-platform');
    expect(after.spec.gateways).toEqual(['mesh']);
    expect(after.spec.http.map((r) => r.name)).toEqual(['devenv-ana', 'main']);
  });

  it('creates what it found absent, so an object made in between is reported, never taken over', async () => {
    const name = serviceVirtualServiceName('blog-service');
    const theirs = {
      hosts: ['other.example.com'],
      http: [{ name: 'theirs', route: [{ destination: { host: 'other.example.com' } }] }],
    };
    /** Someone creates an object of our name after our read and before our write. */
    class RacedCluster extends KubeCluster {
      constructor(private readonly labels: Record<string, string> | undefined) {
        super(kc);
      }
      override async create(object: Parameters<KubeCluster['create']>[0]): Promise<void> {
        if (object.metadata.name === name) await createVirtualService(kc, ns, name, theirs, this.labels);
        return super.create(object);
      }
    }
    const settings = { ...ROUTING, preprodNamespace: ns, instance: 'rb-00000000000a' };
    const env = devenvOf('ana', 'blog-service@dev/blog-service');
    await expect(
      new IstioRouteApplier(new RacedCluster(undefined), settings).converge([env]),
    ).rejects.toThrow(`VirtualService ${ns}/${name} already exists and is not managed by release-bot`);
    const kept = await getVirtualService(kc, ns, name);
    expect(kept.spec).toEqual(theirs);
    expect(kept.metadata.labels).toBeUndefined();

    // Made in between by another release-bot installation: refused, and named.
    await kc.makeApiClient(k8s.CustomObjectsApi).deleteNamespacedCustomObject({
      group: 'networking.istio.io',
      version: 'v1',
      namespace: ns,
      plural: 'virtualservices',
      name,
    });
    const other = {
      'app.kubernetes.io/managed-by': 'release-bot',
      'release-bot.io/instance': 'rb-00000000000b',
    };
    await expect(new IstioRouteApplier(new RacedCluster(other), settings).converge([env])).rejects.toThrow(
      'belongs to another release-bot installation (release-bot.io/instance=rb-00000000000b)',
    );
    expect((await getVirtualService(kc, ns, name)).spec).toEqual(theirs);
  });

  it('a second installation on the same cluster leaves the first one’s objects alone', async () => {
    await t.command('/devenv', 'blog-service tag-service name=ana', DEV);
    const versions = async () =>
      Object.fromEntries(
        await Promise.all(
          ['blog-service', 'tag-service'].map(async (svc) => {
            const vs = await getVirtualService(kc, ns, serviceVirtualServiceName(svc));
            return [svc, vs.metadata.resourceVersion] as const;
          }),
        ),
      );
    const before = await versions();
    const second = await startTestBot({
      KUBECONFIG: kubeconfigPath,
      DEVENV_PREPROD_NAMESPACE: ns,
      DEVENV_NAMESPACE_TEMPLATE: `${ns}-{env}`,
      // Its own Lease: another installation, not a standby of the first.
      LEASE_NAME: 'release-bot-staging',
    });
    try {
      // Its database knows no environment: without installation ids every route of the first would be an orphan.
      await second.bot.services.upkeep.runOnce();
      expect(second.bot.services.upkeep.lastReconcile()!.report.deleted).toEqual([]);
      expect(await versions()).toEqual(before);
      expect(await routeNames('blog-service')).toEqual(['devenv-ana', 'default']);

      const refused = replyText(await second.command('/devenv', 'blog-service name=bo', DEV));
      expect(refused).toContain('belongs to another release-bot installation');
      expect(await versions()).toEqual(before);
      expect(replyText(await second.command('/devenv', 'user-service name=bo', DEV))).toContain(
        'Environment *bo* is live',
      );
      // And the first leaves the second's alone in turn.
      await t.bot.services.upkeep.runOnce();
      expect(t.bot.services.upkeep.lastReconcile()!.report.deleted).toEqual([]);
      expect(await routeNames('user-service')).toEqual(['devenv-bo', 'default']);
      expect(await versions()).toEqual(before);
    } finally {
      await second.stop();
    }
  });

  it('makes an external target routable with a ServiceEntry, removed after the routes', async () => {
    const reply = replyText(
      await t.command(
        '/devenv',
        'blog-service@laptop.dev.example.com:8080 tag-service@team-x/tag-next name=ext',
        DEV,
      ),
    );
    expect(reply).toContain('• *blog-service* → `laptop.dev.example.com:8080` · :white_check_mark: routable');
    const entry = await getIstioObject(kc, ns, 'serviceentries', serviceEntryName('ext', 'blog-service'));
    expect(entry.spec).toEqual({
      hosts: ['laptop.dev.example.com'],
      exportTo: ['.'],
      location: 'MESH_EXTERNAL',
      resolution: 'DNS',
      ports: [{ number: 8080, name: 'http-8080', protocol: 'HTTP' }],
    });
    expect(
      (await getVirtualService(kc, ns, serviceVirtualServiceName('blog-service'))).spec.http[0]!.route,
    ).toEqual([{ destination: { host: 'laptop.dev.example.com', port: { number: 8080 } } }]);
    expect(
      (await getVirtualService(kc, ns, serviceVirtualServiceName('tag-service'))).spec.http[0]!.route,
    ).toEqual([{ destination: { host: 'tag-next.team-x.svc.cluster.local' } }]);
    const watched = await watchIstio(kc, ns, ['virtualservices', 'serviceentries']);
    try {
      await t.command('/devenv', 'delete ext', DEV);
      expect(await listNames(kc, ns, 'serviceentries')).toEqual([]);
      const entryDeleted = await vi.waitFor(
        () => {
          const deleted = watched.events.find((e) => e.plural === 'serviceentries' && e.type === 'DELETED');
          if (!deleted) throw new Error('the ServiceEntry was not deleted yet');
          return deleted;
        },
        { timeout: 5000 },
      );
      // The route to the outside host went first (its VirtualService rewritten without it, or deleted):
      // a route whose ServiceEntry is gone sends mesh traffic nowhere.
      const routeGone = watched.events.find(
        (e) =>
          e.plural === 'virtualservices' &&
          e.name === serviceVirtualServiceName('blog-service') &&
          (e.type === 'DELETED' || !JSON.stringify(e.object.spec).includes('laptop.dev.example.com')),
      );
      expect(routeGone).toMatchObject({ plural: 'virtualservices' });
      expect(routeGone!.revision).toBeLessThan(entryDeleted.revision);
    } finally {
      watched.stop();
    }
  });

  it('dry-run shows the objects and applies nothing', async () => {
    const reply = replyText(await t.command('/devenv', 'blog-service name=ana dry-run', DEV));
    expect(reply).toContain('*Dry run* for *ana*');
    expect(reply).toContain('kind: VirtualService');
    expect(reply).toContain('name: devenv-ana');
    expect(await listNames(kc, ns, 'virtualservices')).toEqual([]);
    expect(await t.rows('select count(*) n from devenvs')).toEqual([{ n: 0 }]);
  });

  it.each([
    ['name=ana', 'Name at least one service'],
    ['Blog_Service', 'is not a service name'],
    ['blog-service name=Not_Valid', 'is not a valid environment name'],
    ['blog-service name=a-very-long-environment-name-over-30', 'is not a valid environment name'],
    ['blog-service ttl=100h', 'is longer than the maximum of 3d'],
    ['blog-service blog-service', 'is listed twice'],
    ['blog-service@nowhere', 'a target is `service@namespace/name`'],
  ])('refuses %j before any API call', async (text, message) => {
    // The start-up reconcile reads the cluster: once it is over, every call counted is the command's.
    await t.slack.waitFor(() => t.bot.services.upkeep.lastReconcile());
    const kube = (t.bot.services.devenv as unknown as { kube: KubeCluster }).kube;
    const before = { ...kube.calls };
    const reply = replyText(await t.command('/devenv', text, DEV));
    expect(reply).toContain(message);
    expect(kube.calls).toEqual(before);
  });

  it('answers an unknown service with "did you mean"', async () => {
    const reply = replyText(await t.command('/devenv', 'blog-servce name=ana', DEV));
    expect(reply).toContain('`blog-servce` is not a pre-prod service; did you mean `blog-service`?');
  });

  it('refuses a taken name', async () => {
    await t.command('/devenv', 'blog-service name=ana', DEV);
    expect(replyText(await t.command('/devenv', 'tag-service name=ana', 'UDEV00002'))).toContain(
      'The environment name `ana` is taken',
    );
  });

  it('shows the applied objects as YAML', async () => {
    await t.command('/devenv', 'blog-service name=ana', DEV);
    const refused = replyText(await t.command('/devenv', 'show ana', 'UOTHER'));
    expect(refused).toContain(
      'Only <@UDEV00001> (its owner) or a release manager may see the objects of `ana`',
    );
    const shown = replyText(await t.command('/devenv', 'show ana', DEV));
    expect(shown).toContain('Objects as they are in the cluster now');
    expect(shown).toContain(`name: ${serviceVirtualServiceName('blog-service')}`);
    expect(shown).not.toContain('managedFields');
    const listed = replyText(await t.command('/devenv', 'list', DEV));
    expect(listed).toContain('*ana*: blog-service');
  });
});

describe('/devenv when the cluster says no', () => {
  afterEach(async () => {
    await t?.stop();
  });
  let t: TestBot | undefined;

  it('reports a 403 clearly and leaves no record', async () => {
    const kc = kubeConfig(inject('kubeconfigPath'));
    const ns = await freshNamespace(kc, 'preprod');
    t = await startTestBot({
      KUBECONFIG: kubeconfigWithContext(inject('kubeconfigPath'), 'restricted'),
      // This identity may hold no Lease either: without this it would (rightly) stand by.
      LEADER_ELECTION: 'off',
      DEVENV_PREPROD_NAMESPACE: ns,
    });
    const reply = replyText(await t.command('/devenv', 'blog-service name=ana', DEV));
    expect(reply).toContain(`The cluster refused release-bot permission to list Services in ${ns} (403)`);
    expect(await t.rows('select count(*) n from devenvs')).toEqual([{ n: 0 }]);
  });

  it('names the missing Istio CRDs and rolls back', async () => {
    const bare = kubeConfig(inject('bareKubeconfigPath'));
    const ns = await freshNamespace(bare, 'preprod');
    await createService(bare, ns, 'blog-service');
    t = await startTestBot({ KUBECONFIG: inject('bareKubeconfigPath'), DEVENV_PREPROD_NAMESPACE: ns });
    const reply = replyText(await t.command('/devenv', 'blog-service name=ana', DEV));
    expect(reply).toMatch(
      /The cluster does not know (VirtualService|ServiceEntry) \(networking.istio.io\/v1\): its CRDs are not installed. Install Istio/,
    );
    expect(await t.rows('select count(*) n from devenvs')).toEqual([{ n: 0 }]);
  });

  it('names a cluster that does not answer in time and leaves no record', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const dir = mkdtempSync(join(tmpdir(), 'release-bot-silent-'));
    const kubeconfig = join(dir, 'kubeconfig');
    const port = (silent.address() as AddressInfo).port;
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'silent',
            cluster: { server: `https://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true },
          },
        ],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'c', context: { cluster: 'silent', user: 'u' } }],
        'current-context': 'c',
      }),
    );
    try {
      t = await startTestBot({ KUBECONFIG: kubeconfig, KUBE_TIMEOUT: '1s', LEADER_ELECTION: 'off' });
      const started = Date.now();
      const reply = replyText(await t.command('/devenv', 'blog-service name=ana', DEV));
      expect(reply).toContain(
        'The cluster did not answer within 1 s while trying to list Services in preprod',
      );
      expect(Date.now() - started).toBeLessThan(5000);
      expect(await t.rows('select count(*) n from devenvs')).toEqual([{ n: 0 }]);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('runs as dry-run with DEVENV_MODE=dry-run and says so', async () => {
    const kc = kubeConfig(inject('kubeconfigPath'));
    const ns = await freshNamespace(kc, 'preprod');
    await createService(kc, ns, 'blog-service');
    t = await startTestBot({
      KUBECONFIG: inject('kubeconfigPath'),
      DEVENV_MODE: 'dry-run',
      DEVENV_PREPROD_NAMESPACE: ns,
    });
    const reply = replyText(await t.command('/devenv', 'blog-service name=ana', DEV));
    expect(reply).toContain('*Dry run* for *ana* (DEVENV_MODE=dry-run)');
    expect(await t.rows('select count(*) n from devenvs')).toEqual([{ n: 0 }]);
    expect(await listNames(kc, ns, 'virtualservices')).toEqual([]);
  });

  it('without any cluster configured, runs as dry-run', async () => {
    t = await startTestBot();
    const reply = replyText(await t.command('/devenv', 'blog-service name=ana', DEV));
    expect(reply).toContain('*Dry run* for *ana*');
  });
});

describe('/devenv per-environment link', () => {
  let t: TestBot;
  afterEach(async () => {
    await t.stop();
  });

  it('applies a gateway-bound VirtualService that adds the routing key and routes the first hop', async () => {
    const kc = kubeConfig(inject('kubeconfigPath'));
    const ns = await freshNamespace(kc, 'preprod');
    for (const svc of ['web-frontend', 'blog-service']) await createService(kc, ns, svc);
    t = await startTestBot({
      KUBECONFIG: inject('kubeconfigPath'),
      DEVENV_PREPROD_NAMESPACE: ns,
      DEVENV_DOMAIN: 'dev.example.com',
      DEVENV_GATEWAY: 'istio-system/dev-gateway',
      DEVENV_ENTRY_SERVICE: 'web-frontend',
    });
    const reply = replyText(await t.command('/devenv', 'blog-service name=ana', DEV));
    expect(reply).toContain('*Link:* https://ana.dev.example.com/');
    const link = await getVirtualService(kc, ns, linkName('VirtualService', 'ana'));
    expect(link.spec).toEqual({
      hosts: ['ana.dev.example.com'],
      gateways: ['istio-system/dev-gateway'],
      http: [
        {
          name: 'devenv-ana',
          headers: { request: { set: { baggage: 'devenv=ana' } } },
          route: [{ destination: { host: `web-frontend.${ns}.svc.cluster.local` } }],
        },
      ],
    });
    await t.command('/devenv', 'delete ana', DEV);
    expect(await listNames(kc, ns, 'virtualservices')).toEqual([]);
  });
});
