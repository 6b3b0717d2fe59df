import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';

type KubeDoc = k8s.KubernetesObject & Record<string, unknown>;

/** `kubectl apply --server-side -k <dir>` as an administrator would, into `namespace` when given. */
export async function applyKustomize(
  kc: k8s.KubeConfig,
  kustomize: string,
  dir: string,
  edit: (doc: KubeDoc) => KubeDoc = (d) => d,
): Promise<KubeDoc[]> {
  const yaml = execFileSync(kustomize, ['build', dir], { encoding: 'utf8' });
  const docs = parseAllDocuments(yaml).map((d) => edit(d.toJS() as KubeDoc));
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  for (const doc of docs)
    await api.patch(doc, undefined, undefined, 'installer', true, k8s.PatchStrategy.ServerSideApply);
  return docs;
}

/** The shipped freeze-namespace component in `namespace`, bound to the ServiceAccount in `botNamespace`. */
export async function grantFreezeNamespace(
  kc: k8s.KubeConfig,
  kustomize: string,
  namespace: string,
  botNamespace: string,
): Promise<void> {
  await applyKustomize(kc, kustomize, 'deploy/kubernetes/freeze-namespace', (doc) => {
    const d = doc as KubeDoc & { metadata: { namespace?: string }; subjects?: { namespace: string }[] };
    d.metadata.namespace = namespace;
    for (const subject of d.subjects ?? []) subject.namespace = botNamespace;
    return d;
  });
}

/** A kubeconfig that authenticates as `release-bot` in `namespace` (created here), by TokenRequest. */
export async function serviceAccountKubeconfig(admin: k8s.KubeConfig, namespace: string): Promise<string> {
  const core = admin.makeApiClient(k8s.CoreV1Api);
  await core
    .createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'release-bot' } } })
    .catch(() => undefined);
  const request = await core.createNamespacedServiceAccountToken({
    name: 'release-bot',
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const cluster = admin.getCurrentCluster()!;
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'release-bot', token: request.status!.token }],
    contexts: [{ name: 'release-bot', cluster: cluster.name, user: 'release-bot' }],
    currentContext: 'release-bot',
  });
  const file = join(mkdtempSync(join(tmpdir(), 'release-bot-sa-')), 'kubeconfig');
  writeFileSync(file, kc.exportConfig());
  return file;
}

export interface WorkloadSpec {
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet';
  name: string;
  images: string[];
  initImages?: string[];
  labels?: Record<string, string>;
}

function body(spec: WorkloadSpec): Record<string, unknown> {
  const selector = { 'release-bot.test/workload': spec.name };
  return {
    apiVersion: 'apps/v1',
    kind: spec.kind,
    metadata: { name: spec.name, labels: spec.labels ?? {} },
    spec: {
      selector: { matchLabels: selector },
      ...(spec.kind === 'StatefulSet' ? { serviceName: spec.name } : {}),
      template: {
        metadata: { labels: selector },
        spec: {
          containers: spec.images.map((image, i) => ({ name: i === 0 ? 'app' : `side${i}`, image })),
          ...(spec.initImages
            ? { initContainers: spec.initImages.map((image, i) => ({ name: `init${i}`, image })) }
            : {}),
        },
      },
    },
  };
}

const PLURAL = { Deployment: 'deployments', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets' } as const;

/** Creates a workload as an administrator (no controller runs: only the object matters). */
export async function createWorkload(
  kc: k8s.KubeConfig,
  namespace: string,
  spec: WorkloadSpec,
): Promise<void> {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const b = body(spec) as never;
  if (spec.kind === 'Deployment') await apps.createNamespacedDeployment({ namespace, body: b });
  else if (spec.kind === 'StatefulSet') await apps.createNamespacedStatefulSet({ namespace, body: b });
  else await apps.createNamespacedDaemonSet({ namespace, body: b });
}

/**
 * A JSON patch to a workload as `fieldManager` (`kubectl-set`, `helm`…), over HTTPS like kubectl: resolves
 * to the status, the Status message when refused, and any `Warning` headers.
 */
export async function patchWorkload(
  kc: k8s.KubeConfig,
  namespace: string,
  kind: WorkloadSpec['kind'],
  name: string,
  patch: unknown[],
  fieldManager: string,
): Promise<{ status: number; message: string; warnings: string[] }> {
  const cluster = kc.getCurrentCluster()!;
  const options: import('node:https').RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  const url = `${cluster.server}/apis/apps/v1/namespaces/${namespace}/${PLURAL[kind]}/${name}?fieldManager=${encodeURIComponent(fieldManager)}`;
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        ...options,
        method: 'PATCH',
        rejectUnauthorized: false,
        headers: {
          ...(options.headers as Record<string, string>),
          'content-type': 'application/json-patch+json',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let message = '';
          try {
            message = (JSON.parse(text) as { message?: string }).message ?? '';
          } catch {
            message = text;
          }
          const warning = res.headers.warning;
          resolve({
            status: res.statusCode ?? 0,
            message: res.statusCode === 200 ? '' : message,
            warnings: warning === undefined ? [] : Array.isArray(warning) ? warning : [warning],
          });
        });
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(patch));
  });
}

export const setImage = (image: string, container = 0) => [
  { op: 'replace', path: `/spec/template/spec/containers/${container}/image`, value: image },
];
export const setReplicas = (replicas: number) => [{ op: 'replace', path: '/spec/replicas', value: replicas }];
export const setLabel = (key: string, value: string) => [
  { op: 'add', path: `/metadata/labels/${key.replace(/\//g, '~1')}`, value },
];
