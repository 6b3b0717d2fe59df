import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';

export function kubeConfig(path: string, context = 'admin'): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(path);
  kc.setCurrentContext(context);
  return kc;
}

/**
 * A namespace no other test used: with no controller-manager, namespaces never finish deleting, so names
 * are never reused.
 */
export async function freshNamespace(kc: k8s.KubeConfig, prefix = 't'): Promise<string> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name } } });
  return name;
}

/** A Service of the given name (no pods run in the test cluster; only the object matters). */
export async function createService(
  kc: k8s.KubeConfig,
  namespace: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<void> {
  await kc.makeApiClient(k8s.CoreV1Api).createNamespacedService({
    namespace,
    body: {
      metadata: { name, namespace, labels },
      spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }], selector: { app: name } },
    },
  });
}

/** A copy of the kubeconfig whose current context is `context` (e.g. the restricted identity). */
export function kubeconfigWithContext(path: string, context: string): string {
  const kc = kubeConfig(path, context);
  const dir = mkdtempSync(join(tmpdir(), 'release-bot-kc-'));
  const file = join(dir, 'kubeconfig');
  writeFileSync(file, kc.exportConfig());
  return file;
}

export const ISTIO = { group: 'networking.istio.io', version: 'v1' } as const;

export async function getVirtualService(
  kc: k8s.KubeConfig,
  namespace: string,
  name: string,
): Promise<{
  metadata: { labels?: Record<string, string>; resourceVersion: string };
  spec: {
    hosts: string[];
    http: { name?: string; match?: unknown; route: unknown[] }[];
    [key: string]: unknown;
  };
}> {
  return (await kc
    .makeApiClient(k8s.CustomObjectsApi)
    .getNamespacedCustomObject({ ...ISTIO, namespace, plural: 'virtualservices', name })) as never;
}

export async function listNames(
  kc: k8s.KubeConfig,
  namespace: string,
  plural: string,
  group: string = ISTIO.group,
): Promise<string[]> {
  const list = (await kc
    .makeApiClient(k8s.CustomObjectsApi)
    .listNamespacedCustomObject({ group, version: 'v1', namespace, plural })) as {
    items: { metadata: { name: string } }[];
  };
  return list.items.map((i) => i.metadata.name).sort();
}

type VirtualServiceBody = Awaited<ReturnType<typeof getVirtualService>>;

/** Someone else's write to a VirtualService (a full update guarded by its resourceVersion). */
export async function replaceVirtualService(
  kc: k8s.KubeConfig,
  namespace: string,
  name: string,
  body: VirtualServiceBody,
): Promise<void> {
  await kc
    .makeApiClient(k8s.CustomObjectsApi)
    .replaceNamespacedCustomObject({ ...ISTIO, namespace, plural: 'virtualservices', name, body });
}

export async function createVirtualService(
  kc: k8s.KubeConfig,
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
  labels: Record<string, string> = {},
): Promise<void> {
  await kc.makeApiClient(k8s.CustomObjectsApi).createNamespacedCustomObject({
    ...ISTIO,
    namespace,
    plural: 'virtualservices',
    body: {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name, namespace, labels },
      spec,
    },
  });
}

/** An Istio object as the API server has it now. */
export async function getIstioObject(
  kc: k8s.KubeConfig,
  namespace: string,
  plural: 'virtualservices' | 'serviceentries',
  name: string,
): Promise<{
  metadata: { labels?: Record<string, string>; resourceVersion: string };
  spec: Record<string, unknown> & { hosts?: string[] };
}> {
  return (await kc
    .makeApiClient(k8s.CustomObjectsApi)
    .getNamespacedCustomObject({ ...ISTIO, namespace, plural, name })) as never;
}

export interface WatchedEvent {
  plural: string;
  type: string;
  name: string;
  /** etcd's revision of the change: one counter across every resource of the server, so it orders them. */
  revision: number;
  object: { metadata: { name: string; resourceVersion: string }; spec?: Record<string, unknown> };
}

/**
 * Every change to the named Istio resources of a namespace from now on, as the API server's watch reports
 * it, so a test can assert the order in which a bot wrote across several kinds.
 */
export async function watchIstio(
  kc: k8s.KubeConfig,
  namespace: string,
  plurals: string[],
): Promise<{ events: WatchedEvent[]; stop: () => void }> {
  const events: WatchedEvent[] = [];
  const controllers: AbortController[] = [];
  const watch = new k8s.Watch(kc);
  for (const plural of plurals) {
    const list = (await kc
      .makeApiClient(k8s.CustomObjectsApi)
      .listNamespacedCustomObject({ ...ISTIO, namespace, plural })) as {
      metadata: { resourceVersion: string };
    };
    controllers.push(
      await watch.watch(
        `/apis/${ISTIO.group}/${ISTIO.version}/namespaces/${namespace}/${plural}`,
        { resourceVersion: list.metadata.resourceVersion },
        (type: string, object: WatchedEvent['object']) =>
          events.push({
            plural,
            type,
            name: object.metadata.name,
            revision: Number(object.metadata.resourceVersion),
            object,
          }),
        () => undefined,
      ),
    );
  }
  return { events, stop: () => controllers.forEach((c) => c.abort()) };
}

export type KubeDoc = k8s.KubernetesObject & Record<string, unknown>;

/** `kustomize build` of `dir` (a path from the repository root) into `namespace`, as an installer's overlay would. */
export function renderKustomize(kustomize: string, dir: string, namespace: string): KubeDoc[] {
  const overlay = mkdtempSync(join(tmpdir(), 'release-bot-overlay-'));
  writeFileSync(
    join(overlay, 'kustomization.yaml'),
    `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: ${namespace}\nresources:\n  - ${relative(overlay, resolve(dir))}\n`,
  );
  const yaml = execFileSync(kustomize, ['build', '--load-restrictor', 'LoadRestrictionsNone', overlay], {
    encoding: 'utf8',
  });
  return parseAllDocuments(yaml).map((d) => d.toJS() as KubeDoc);
}
