import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { httpRouteName, serviceVirtualServiceName } from '../../src/domain/devenv/names.js';
import { replyText, startTestBot, type TestBot } from '../support/bot-harness.js';
import {
  createService,
  freshNamespace,
  kubeConfig,
  listNames,
  renderKustomize,
  type KubeDoc,
} from '../support/kube.js';
import { serviceAccountKubeconfig } from '../support/freeze-cluster.js';

const DEV = 'UDEV00001';

/** `kubectl apply --server-side` of the rendered base, as an installer with cluster-admin would. */
async function applyAll(kc: k8s.KubeConfig, docs: KubeDoc[]): Promise<void> {
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  for (const doc of docs) {
    await api.patch(doc, undefined, undefined, 'installer', true, k8s.PatchStrategy.ServerSideApply);
  }
}

function render(kustomize: string, namespace: string): KubeDoc[] {
  return renderKustomize(kustomize, 'deploy/kubernetes', namespace);
}

describe('the kustomize base, applied to a real API server with RBAC, is exactly what the bot needs', () => {
  const admin = kubeConfig(inject('kubeconfigPath'));
  let ns: string;
  let saKubeconfig: string;
  let docs: KubeDoc[];

  beforeAll(async () => {
    ns = await freshNamespace(admin, 'preprod');
    docs = render(inject('kustomizePath'), ns);
    await applyAll(admin, docs);
    saKubeconfig = await serviceAccountKubeconfig(admin, ns);
    // Each environment's own namespace gets the target reader, as the README says to do.
    const binding = parseAllDocuments(
      readFileSync('deploy/kubernetes/target-namespace/rolebinding.yaml', 'utf8'),
    )[0]!.toJS() as {
      metadata: { namespace?: string };
      subjects: { namespace: string }[];
    };
    for (const env of ['ana']) {
      const envNs = `${ns}-${env}`;
      await admin.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: envNs } } });
      await createService(admin, envNs, 'blog-service');
      binding.metadata.namespace = envNs;
      binding.subjects[0]!.namespace = ns;
      await applyAll(admin, [binding]);
    }
    for (const svc of ['blog-service', 'tag-service']) await createService(admin, ns, svc);
  });

  it('renders a namespace-agnostic base that the API server accepts, with the least privilege asked for', () => {
    const kinds = docs.map((d) => `${d.kind}/${d.metadata?.name}`).sort();
    expect(kinds).toEqual([
      'ClusterRole/release-bot-target-reader',
      'Deployment/release-bot',
      'PersistentVolumeClaim/release-bot-data',
      'Role/release-bot-lease',
      'Role/release-bot-routes',
      'RoleBinding/release-bot-lease',
      'RoleBinding/release-bot-routes',
      'RoleBinding/release-bot-target-reader',
      'Service/release-bot',
      'ServiceAccount/release-bot',
    ]);
    const deployment = docs.find((d) => d.kind === 'Deployment') as unknown as {
      spec: { replicas: number; strategy: { type: string }; template: { spec: k8s.V1PodSpec } };
    };
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy.type).toBe('Recreate');
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.containers[0]!.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.containers[0]!.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(pod.containers[0]!.readinessProbe?.httpGet?.path).toBe('/readyz');
  });

  describe.each<{
    mesh: string;
    env: Record<string, string>;
    owned: () => Promise<string[]>;
    name: () => string;
  }>([
    {
      mesh: 'istio',
      env: {},
      owned: async () => listNames(admin, ns, 'virtualservices'),
      name: () => serviceVirtualServiceName('blog-service'),
    },
    {
      mesh: 'gateway-api',
      env: { DEVENV_MESH: 'gateway-api', DEVENV_ROUTING_HEADER: 'x-devenv' },
      owned: async () => listNames(admin, ns, 'httproutes', 'gateway.networking.k8s.io'),
      name: () => httpRouteName('ana', 'blog-service'),
    },
  ])('as the ServiceAccount, /devenv works end to end ($mesh)', ({ env, owned, name }) => {
    let t: TestBot;
    afterAll(async () => {
      await t?.stop();
    });

    it('creates, lists, shows readiness, reconciles, holds the Lease and deletes', async () => {
      t = await startTestBot(
        {
          KUBECONFIG: saKubeconfig,
          DEVENV_PREPROD_NAMESPACE: ns,
          DEVENV_NAMESPACE_TEMPLATE: `${ns}-{env}`,
          ...env,
        },
        { upkeep: 'manual' },
      );
      const created = replyText(await t.command('/devenv', 'blog-service name=ana', DEV));
      expect(created).toContain('Environment *ana* is live');
      expect(await owned()).toContain(name());
      expect(replyText(await t.command('/devenv', 'list', DEV))).toContain('*ana*');
      expect(replyText(await t.command('/devenv', 'show ana', DEV))).toContain('blog-service');
      await t.bot.services.upkeep.runOnce();
      expect(t.bot.services.upkeep.lastReconcile()?.error).toBeUndefined();
      const ready = (await (await fetch(`${t.baseUrl}/readyz`)).json()) as { checks: Record<string, string> };
      expect(ready.checks.cluster).toBe('ok');
      expect(ready.checks.lease).toBe('ok');
      expect(replyText(await t.command('/devenv', 'delete ana', DEV))).toContain('is deleted');
      expect(await owned()).not.toContain(name());
    });
  });

  describe('and nothing more', () => {
    const asServiceAccount = () => kubeConfig(saKubeconfig, 'release-bot');
    const status = async (call: () => Promise<unknown>) => {
      try {
        await call();
        return 200;
      } catch (error) {
        return (error as { code?: number }).code;
      }
    };

    it('is refused Secrets, VirtualServices in another namespace, and cluster-scoped writes', async () => {
      const kc = asServiceAccount();
      const other = await freshNamespace(admin, 'other');
      expect(
        await status(() => kc.makeApiClient(k8s.CoreV1Api).listNamespacedSecret({ namespace: ns })),
      ).toBe(403);
      expect(
        await status(() =>
          kc.makeApiClient(k8s.CustomObjectsApi).listNamespacedCustomObject({
            group: 'networking.istio.io',
            version: 'v1',
            namespace: other,
            plural: 'virtualservices',
          }),
        ),
      ).toBe(403);
      expect(
        await status(() =>
          kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: `${other}-x` } } }),
        ),
      ).toBe(403);
      expect(
        await status(() =>
          kc.makeApiClient(k8s.RbacAuthorizationV1Api).createClusterRoleBinding({
            body: {
              metadata: { name: `${other}-escalate` },
              roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
              subjects: [{ kind: 'ServiceAccount', name: 'release-bot', namespace: ns }],
            },
          }),
        ),
      ).toBe(403);
    });
  });
});
