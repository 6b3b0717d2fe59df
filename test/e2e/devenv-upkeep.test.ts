import * as k8s from '@kubernetes/client-node';
import { httpRouteName, serviceVirtualServiceName } from '../../src/domain/devenv/names.js';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { ActionIds } from '../../src/slack/ids.js';
import { replyText, startTestBot, type TestBot } from '../support/bot-harness.js';
import type { TestDatabase } from '../support/test-database.js';
import {
  createService,
  createVirtualService,
  freshNamespace,
  getVirtualService,
  kubeConfig,
  listNames,
  replaceVirtualService,
} from '../support/kube.js';

const DEV = 'UDEV00001';
const GATEWAY = { group: 'gateway.networking.k8s.io', version: 'v1' } as const;

interface Provider {
  name: string;
  env: Record<string, string>;
  /** Every object release-bot owns in the namespace, as kind/name. */
  owned(kc: k8s.KubeConfig, ns: string): Promise<string[]>;
  /** Someone edits release-bot's route for blog-service in environment `env`. */
  drift(kc: k8s.KubeConfig, ns: string, env: string): Promise<void>;
  /** Where requests for blog-service in `env` go, as the cluster says now. */
  destination(kc: k8s.KubeConfig, ns: string, env: string): Promise<string>;
  /** An object with these ownership labels, named after `ghost`, that no environment explains. */
  orphan(kc: k8s.KubeConfig, ns: string, ghost: string, labels: Record<string, string>): Promise<string>;
}

const istio: Provider = {
  name: 'istio',
  env: {},
  async owned(kc, ns) {
    const vs = (await listNames(kc, ns, 'virtualservices')).map((n) => `VirtualService/${n}`);
    const se = (await listNames(kc, ns, 'serviceentries')).map((n) => `ServiceEntry/${n}`);
    return [...vs, ...se];
  },
  async drift(kc, ns) {
    const vs = await getVirtualService(kc, ns, serviceVirtualServiceName('blog-service'));
    vs.spec.http[0]!.route = [{ destination: { host: 'somewhere-else.example.com' } }];
    await replaceVirtualService(kc, ns, serviceVirtualServiceName('blog-service'), vs);
  },
  async destination(kc, ns, env) {
    const vs = await getVirtualService(kc, ns, serviceVirtualServiceName('blog-service'));
    const route = vs.spec.http.find((r) => r.name === `devenv-${env}`) as {
      route: { destination: { host: string } }[];
    };
    return route.route[0]!.destination.host;
  },
  async orphan(kc, ns, ghost, labels) {
    const service = `${ghost}-service`;
    await createVirtualService(
      kc,
      ns,
      `devenv-${service}`,
      { hosts: [service], http: [{ name: 'default', route: [{ destination: { host: service } }] }] },
      { ...labels, 'release-bot.io/service': service },
    );
    return `VirtualService/devenv-${service}`;
  },
};

const gatewayApi: Provider = {
  name: 'gateway-api',
  env: { DEVENV_MESH: 'gateway-api', DEVENV_ROUTING_HEADER: 'x-devenv' },
  async owned(kc, ns) {
    return (await listNames(kc, ns, 'httproutes', GATEWAY.group)).map((n) => `HTTPRoute/${n}`);
  },
  async drift(kc, ns, env) {
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const name = httpRouteName(env, 'blog-service');
    const route = (await custom.getNamespacedCustomObject({
      ...GATEWAY,
      namespace: ns,
      plural: 'httproutes',
      name,
    })) as { spec: { rules: { backendRefs: { name: string }[] }[] } };
    route.spec.rules[0]!.backendRefs[0]!.name = 'somewhere-else';
    await custom.replaceNamespacedCustomObject({
      ...GATEWAY,
      namespace: ns,
      plural: 'httproutes',
      name,
      body: route,
    });
  },
  async destination(kc, ns, env) {
    const route = (await kc.makeApiClient(k8s.CustomObjectsApi).getNamespacedCustomObject({
      ...GATEWAY,
      namespace: ns,
      plural: 'httproutes',
      name: httpRouteName(env, 'blog-service'),
    })) as {
      spec: { rules: { backendRefs: { name: string; namespace?: string }[] }[] };
    };
    const ref = route.spec.rules[0]!.backendRefs[0]!;
    return `${ref.name}.${ref.namespace ?? ns}`;
  },
  async orphan(kc, ns, ghost, labels) {
    await kc.makeApiClient(k8s.CustomObjectsApi).createNamespacedCustomObject({
      ...GATEWAY,
      namespace: ns,
      plural: 'httproutes',
      body: {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: {
          name: `devenv-${ghost}-blog-service`,
          namespace: ns,
          labels: { ...labels, 'release-bot.io/devenv': ghost },
        },
        spec: {
          parentRefs: [{ group: '', kind: 'Service', name: 'blog-service' }],
          rules: [{ backendRefs: [{ name: 'blog-service', port: 80 }] }],
        },
      },
    });
    return `HTTPRoute/devenv-${ghost}-blog-service`;
  },
};

describe.each([istio, gatewayApi])(
  'developer environments that look after themselves ($name)',
  (provider) => {
    const kubeconfigPath = inject('kubeconfigPath');
    const kc = kubeConfig(kubeconfigPath);
    let t: TestBot;
    let ns: string;
    let now: number;
    const clock = { now: () => new Date(now) };
    const start = async (
      extra: Record<string, string> = {},
      options: { database?: TestDatabase; upkeep?: 'timers' | 'manual' } = {},
    ) =>
      startTestBot(
        {
          KUBECONFIG: kubeconfigPath,
          DEVENV_PREPROD_NAMESPACE: ns,
          DEVENV_NAMESPACE_TEMPLATE: `${ns}-{env}`,
          ...provider.env,
          ...extra,
        },
        { clock, ...options },
      );
    const rows = async () => await t.rows('select name, state from devenvs order by name');
    const dms = (user: string) =>
      t.slack
        .callsOf('chat.postMessage')
        .filter((c) => c.args.channel === user)
        .map((c) => String(c.args.text));

    beforeEach(async () => {
      now = Date.parse('2026-11-26T09:00:00Z');
      ns = await freshNamespace(kc, 'preprod');
      for (const svc of ['blog-service', 'tag-service']) await createService(kc, ns, svc);
    });
    afterEach(async () => {
      await t?.stop();
    });

    it('creates, shares and deletes environments', async () => {
      t = await start();
      const created = replyText(await t.command('/devenv', 'blog-service tag-service name=ana', DEV));
      expect(created).toContain('Environment *ana* is live');
      await t.command('/devenv', 'blog-service name=bob', 'UDEV00002');
      expect(await provider.destination(kc, ns, 'ana')).toMatch(new RegExp(`^blog-service\\.${ns}-ana`));
      expect(await provider.destination(kc, ns, 'bob')).toMatch(new RegExp(`^blog-service\\.${ns}-bob`));
      const before = await provider.owned(kc, ns);
      await t.command('/devenv', 'delete ana', DEV);
      const after = await provider.owned(kc, ns);
      expect(after.length).toBeLessThan(before.length);
      expect(await provider.destination(kc, ns, 'bob')).toMatch(new RegExp(`^blog-service\\.${ns}-bob`));
      await t.command('/devenv', 'delete bob', 'UDEV00002');
      expect(await provider.owned(kc, ns)).toEqual([]);
    });

    it('applies the per-environment link through the gateway and removes it with the environment', async () => {
      t = await start({
        DEVENV_DOMAIN: 'dev.example.com',
        DEVENV_GATEWAY: 'infra/dev-gateway',
        DEVENV_ENTRY_SERVICE: 'tag-service',
      });
      expect(replyText(await t.command('/devenv', 'blog-service name=ana', DEV))).toContain(
        '*Link:* https://ana.dev.example.com/',
      );
      expect((await provider.owned(kc, ns)).some((o) => o.includes('/devenv-link-ana-'))).toBe(true);
      await t.command('/devenv', 'delete ana', DEV);
      expect(await provider.owned(kc, ns)).toEqual([]);
    });

    it('a second reconcile with nothing to do writes nothing', async () => {
      t = await start();
      await t.command('/devenv', 'blog-service tag-service name=ana', DEV);
      await t.bot.services.upkeep.runOnce();
      const last = t.bot.services.upkeep.lastReconcile()!;
      expect({
        applied: last.report.applied,
        updated: last.report.updated,
        deleted: last.report.deleted,
      }).toEqual({ applied: [], updated: [], deleted: [] });
    });

    it('removes everything at expiry and tells the owner', async () => {
      t = await start();
      await t.command('/devenv', 'blog-service name=ana ttl=1h', DEV);
      now += 61 * 60 * 1000;
      await t.bot.services.upkeep.runOnce();
      expect(await provider.owned(kc, ns)).toEqual([]);
      expect(await rows()).toEqual([]);
      expect(dms(DEV).some((m) => m.includes('*ana* expired'))).toBe(true);
    });

    it('warns 30 minutes before expiry with an Extend button, and an extension stops the reaper', async () => {
      t = await start();
      await t.command('/devenv', 'blog-service name=ana ttl=1h', DEV);
      now += 20 * 60 * 1000;
      await t.bot.services.upkeep.runOnce();
      expect(dms(DEV)).toEqual([]);
      now += 15 * 60 * 1000;
      await t.bot.services.upkeep.runOnce();
      const warning = t.slack.callsOf('chat.postMessage').find((c) => c.args.channel === DEV)!;
      expect(String(warning.args.text)).toContain('Your environment *ana* expires');
      expect(JSON.stringify(warning.args.blocks)).toContain(ActionIds.devenvExtend);
      await t.bot.services.upkeep.runOnce();
      expect(dms(DEV)).toHaveLength(1);

      const refused = await t.click(ActionIds.devenvExtend, 'ana', 'UOTHER01');
      expect(replyText(await t.slack.waitForResponse(refused.responseId))).toContain(
        'Only <@UDEV00001> (its owner) or a release manager may extend `ana`',
      );
      const extended = await t.click(ActionIds.devenvExtend, 'ana', DEV);
      expect(replyText(await t.slack.waitForResponse(extended.responseId))).toContain(
        '*ana* now lives until',
      );
      now += 60 * 60 * 1000;
      await t.bot.services.upkeep.runOnce();
      expect(await rows()).toEqual([{ name: 'ana', state: 'live' }]);
      expect((await provider.owned(kc, ns)).length).toBeGreaterThan(0);
      expect(replyText(await t.command('/devenv', 'extend ana 80h', DEV))).toContain(
        'longer than the maximum of 3d',
      );
      // Commit, then ack: the reply rides on the acknowledgement itself, so an acked extend is stored.
      expect(await t.ackBody('/devenv', 'extend ana 1h', DEV)).toContain('*ana* now lives until');
    });

    it('repairs drift and removes orphans, and says so in /devenv status', async () => {
      t = await start();
      await t.command('/devenv', 'blog-service name=ana', DEV);
      await provider.drift(kc, ns, 'ana');
      const [{ instance_id: instance }] = (await t.rows('select instance_id from installation')) as [
        { instance_id: string },
      ];
      expect(instance).toMatch(/^rb-[0-9a-f]{12}$/);
      const managed = { 'app.kubernetes.io/managed-by': 'release-bot' };
      const orphan = await provider.orphan(kc, ns, 'ghost', {
        ...managed,
        'release-bot.io/instance': instance,
      });
      // Another installation's object, and one of ours from before objects carried an id: never collected.
      const theirs = await provider.orphan(kc, ns, 'theirs', {
        ...managed,
        'release-bot.io/instance': 'rb-0123456789ab',
      });
      const legacy = await provider.orphan(kc, ns, 'legacy', managed);
      expect(await provider.owned(kc, ns)).toEqual(expect.arrayContaining([orphan, theirs, legacy]));
      await t.bot.services.upkeep.runOnce();
      expect(await provider.destination(kc, ns, 'ana')).toMatch(new RegExp(`^blog-service\\.${ns}-ana`));
      const owned = await provider.owned(kc, ns);
      expect(owned).not.toContain(orphan);
      expect(owned).toEqual(expect.arrayContaining([theirs, legacy]));
      const status = replyText(await t.command('/devenv', 'status', DEV));
      expect(status).toContain('1 removed');
      expect(status).toContain(orphan);
    });

    it('converges after a crash between the cluster write and the database commit', async () => {
      t = await start();
      t.bot.services.devenv.faults = {
        afterClusterWrite: () => {
          throw new Error('simulated crash');
        },
      };
      const reply = replyText(await t.command('/devenv', 'blog-service name=ana', DEV));
      expect(reply).toContain('Something went wrong on our side');
      expect(await rows()).toEqual([{ name: 'ana', state: 'applying' }]);
      expect((await provider.owned(kc, ns)).length).toBeGreaterThan(0);
      const database = t.database;
      await t.bot.stop();

      t = await start({}, { database, upkeep: 'timers' });
      await t.slack.waitFor(() => t.bot.services.upkeep.lastReconcile(), 10_000);
      expect(await provider.owned(kc, ns)).toEqual([]);
      expect(await rows()).toEqual([]);
      expect(t.bot.services.upkeep.lastReconcile()!.recovered).toEqual(['ana']);
      await t.slack.waitFor(() =>
        dms(DEV).some((m) => m.includes('Creating your environment *ana* was interrupted')),
      );
    });

    it('finishes a delete interrupted between the cluster write and the commit', async () => {
      t = await start();
      await t.command('/devenv', 'blog-service name=ana', DEV);
      t.bot.services.devenv.faults = {
        afterClusterWrite: () => {
          throw new Error('simulated crash');
        },
      };
      await t.command('/devenv', 'delete ana', DEV);
      expect(await rows()).toEqual([{ name: 'ana', state: 'deleting' }]);
      t.bot.services.devenv.faults = undefined;
      await t.bot.services.upkeep.runOnce();
      expect(await rows()).toEqual([]);
      expect(await provider.owned(kc, ns)).toEqual([]);
    });

    it('reports readiness from EndpointSlices and updates the reply in place', async () => {
      t = await start({ DEVENV_READINESS_POLL: '1s' });
      const target = `${ns}-ana`;
      await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: target } } });
      await createService(kc, target, 'blog-service');
      const first = replyText(await t.command('/devenv', 'blog-service name=ana', DEV));
      expect(first).toContain('no ready endpoints yet');
      await kc.makeApiClient(k8s.DiscoveryV1Api).createNamespacedEndpointSlice({
        namespace: target,
        body: {
          metadata: { name: 'blog-service-abc', labels: { 'kubernetes.io/service-name': 'blog-service' } },
          addressType: 'IPv4',
          endpoints: [{ addresses: ['10.1.0.5'], conditions: { ready: true } }],
          ports: [{ name: 'http', port: 8080 }],
        },
      });
      const updated = await t.slack.waitFor(
        () => t.slack.responses.find((r) => r.body.replace_original === true),
        10_000,
      );
      expect(replyText(updated.body)).toContain('1 ready endpoint');
      expect(replyText(await t.command('/devenv', 'show ana', DEV))).toContain('1 ready endpoint');
    });

    it('enforces the per-user and total limits', async () => {
      t = await start({ DEVENV_MAX_PER_USER: '1', DEVENV_MAX_TOTAL: '2' });
      await t.command('/devenv', 'blog-service name=ana', DEV);
      expect(replyText(await t.command('/devenv', 'tag-service name=ana2', DEV))).toContain(
        'You already have 1 environments, the most one person may have (1)',
      );
      await t.command('/devenv', 'tag-service name=bob', 'UDEV00002');
      expect(replyText(await t.command('/devenv', 'tag-service name=cat', 'UDEV00003'))).toContain(
        'There are already 2 environments, the most allowed (2)',
      );
    });
  },
);

describe('reconcile and a foreign VirtualService', () => {
  it('touches only our named routes', async () => {
    const kubeconfigPath = inject('kubeconfigPath');
    const kc = kubeConfig(kubeconfigPath);
    const ns = await freshNamespace(kc, 'preprod');
    await createService(kc, ns, 'blog-service');
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    await objects.patch(
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'blog-platform', namespace: ns },
        spec: {
          hosts: ['blog-service'],
          http: [
            { name: 'main', retries: { attempts: 2 }, route: [{ destination: { host: 'blog-service' } }] },
          ],
        },
      },
      undefined,
      undefined,
      'platform-team',
      true,
      k8s.PatchStrategy.ServerSideApply,
    );
    const t = await startTestBot({ KUBECONFIG: kubeconfigPath, DEVENV_PREPROD_NAMESPACE: ns });
    try {
      await t.command('/devenv', 'blog-service name=ana', DEV);
      const current = await getVirtualService(kc, ns, 'blog-platform');
      current.spec.http.push({
        name: 'added-by-platform',
        route: [{ destination: { host: 'blog-service' } }],
      });
      current.spec.http[0]!.route = [{ destination: { host: 'tampered' } }];
      await replaceVirtualService(kc, ns, 'blog-platform', current);

      await t.bot.services.upkeep.runOnce();
      const after = await getVirtualService(kc, ns, 'blog-platform');
      expect(after.spec.http.map((r) => r.name)).toEqual(['devenv-ana', 'main', 'added-by-platform']);
      expect(after.spec.http[0]!.route).toEqual([
        { destination: { host: 'blog-service.devenv-ana.svc.cluster.local' } },
      ]);
      expect(after.spec.http[1]).toEqual({
        name: 'main',
        retries: { attempts: 2 },
        route: [{ destination: { host: 'blog-service' } }],
      });
    } finally {
      await t.stop();
    }
  });
});
