import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { describe, expect, inject, it } from 'vitest';
import { freshNamespace, kubeConfig } from '../support/kube.js';

function virtualService(namespace: string, name: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace },
    spec: {
      hosts: [`blog-service.${namespace}.svc.cluster.local`],
      http: [
        {
          name: 'default',
          route: [{ destination: { host: `blog-service.${namespace}.svc.cluster.local` } }],
        },
      ],
      ...extra,
    },
  };
}

function statusOf(error: unknown): number | undefined {
  return (error as { code?: number }).code;
}

describe('the test kube-apiserver is a real one', () => {
  const kc = kubeConfig(inject('kubeconfigPath'));
  const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);

  it('server-side applies a VirtualService, and another field manager conflicts unless forced', async () => {
    const ns = await freshNamespace(kc);
    const vs = virtualService(ns, 'blog');
    await objects.patch(vs, undefined, undefined, 'release-bot', true, k8s.PatchStrategy.ServerSideApply);
    const changed = virtualService(ns, 'blog');
    changed.spec.http[0]!.route[0]!.destination.host = `other.${ns}.svc.cluster.local`;
    const conflict = await objects
      .patch(changed, undefined, undefined, 'someone-else', false, k8s.PatchStrategy.ServerSideApply)
      .catch((e: unknown) => e);
    expect(statusOf(conflict)).toBe(409);
    await objects.patch(
      changed,
      undefined,
      undefined,
      'someone-else',
      true,
      k8s.PatchStrategy.ServerSideApply,
    );
    const read = (await custom.getNamespacedCustomObject({
      group: 'networking.istio.io',
      version: 'v1',
      namespace: ns,
      plural: 'virtualservices',
      name: 'blog',
    })) as typeof changed;
    expect(read.spec.http[0]!.route[0]!.destination.host).toBe(`other.${ns}.svc.cluster.local`);
  });

  it('rejects a route weight given as a string by the CRD schema (422)', async () => {
    const ns = await freshNamespace(kc);
    const body = virtualService(ns, 'bad', {
      http: [{ route: [{ destination: { host: 'x' }, weight: 'heavy' }] }],
    });
    const error = await custom
      .createNamespacedCustomObject({
        group: 'networking.istio.io',
        version: 'v1',
        namespace: ns,
        plural: 'virtualservices',
        body,
      })
      .catch((e: unknown) => e);
    expect(statusOf(error)).toBe(422);
    expect(String((error as { body: string }).body)).toContain('weight in body must be of type integer');
  });

  it('rejects an unknown field under a match: 400 with strict validation, 500 from server-side apply', async () => {
    const ns = await freshNamespace(kc);
    const body = virtualService(ns, 'bad', {
      http: [{ match: [{ hedaers: {} }], route: [{ destination: { host: 'x' } }] }],
    });
    const strict = await custom
      .createNamespacedCustomObject({
        group: 'networking.istio.io',
        version: 'v1',
        namespace: ns,
        plural: 'virtualservices',
        body,
        fieldValidation: 'Strict',
      })
      .catch((e: unknown) => e);
    expect(statusOf(strict)).toBe(400);
    expect(String((strict as { body: string }).body)).toContain(
      'unknown field \\"spec.http[0].match[0].hedaers\\"',
    );
    const applied = await objects
      .patch(body, undefined, undefined, 'release-bot', true, k8s.PatchStrategy.ServerSideApply)
      .catch((e: unknown) => e);
    expect(statusOf(applied)).toBe(500);
    expect(String((applied as { body: string }).body)).toContain('field not declared in schema');
  });

  it('answers 409 to an update with a stale resourceVersion', async () => {
    const ns = await freshNamespace(kc);
    const created = (await custom.createNamespacedCustomObject({
      group: 'networking.istio.io',
      version: 'v1',
      namespace: ns,
      plural: 'virtualservices',
      body: virtualService(ns, 'blog'),
    })) as { metadata: { resourceVersion: string } };
    const stale = {
      ...virtualService(ns, 'blog'),
      metadata: { name: 'blog', namespace: ns, resourceVersion: created.metadata.resourceVersion },
    };
    const edited = { ...stale, spec: { ...stale.spec, gateways: ['mesh'] } };
    await custom.replaceNamespacedCustomObject({
      group: 'networking.istio.io',
      version: 'v1',
      namespace: ns,
      plural: 'virtualservices',
      name: 'blog',
      body: edited,
    });
    const error = await custom
      .replaceNamespacedCustomObject({
        group: 'networking.istio.io',
        version: 'v1',
        namespace: ns,
        plural: 'virtualservices',
        name: 'blog',
        body: stale,
      })
      .catch((e: unknown) => e);
    expect(statusOf(error)).toBe(409);
  });

  it('reports the version it was built from on /version (stamped, not v0.0.0-master)', async () => {
    const pinned = /^KUBE_VERSION=(\S+)$/m.exec(readFileSync('test/cluster/versions.env', 'utf8'))![1]!;
    const version = await kc.makeApiClient(k8s.VersionApi).getCode();
    expect(version.gitVersion).toBe(pinned);
    expect(version.major).toBe('1');
    expect(version.minor).toBe(pinned.split('.')[1]);
  });

  it('refuses the restricted identity (403)', async () => {
    const restricted = kubeConfig(inject('kubeconfigPath'), 'restricted');
    const error = await restricted
      .makeApiClient(k8s.CoreV1Api)
      .listNamespacedService({ namespace: 'default' })
      .catch((e: unknown) => e);
    expect(statusOf(error)).toBe(403);
  });

  it('applies a Gateway API HTTPRoute', async () => {
    const ns = await freshNamespace(kc);
    const route = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'blog', namespace: ns },
      spec: {
        parentRefs: [{ group: '', kind: 'Service', name: 'blog-service' }],
        rules: [
          {
            matches: [{ headers: [{ type: 'Exact', name: 'x-devenv', value: 'ana' }] }],
            backendRefs: [{ name: 'blog-service', port: 80 }],
          },
        ],
      },
    };
    const applied = await objects.patch<typeof route>(
      route,
      undefined,
      undefined,
      'release-bot',
      true,
      k8s.PatchStrategy.ServerSideApply,
    );
    expect(applied.spec.rules[0]!.backendRefs[0]).toEqual({
      group: '',
      kind: 'Service',
      name: 'blog-service',
      port: 80,
      weight: 1,
    });
  });

  it('the bare API server has no Istio CRDs', async () => {
    const bare = kubeConfig(inject('bareKubeconfigPath'));
    const error = await bare
      .makeApiClient(k8s.CustomObjectsApi)
      .listNamespacedCustomObject({
        group: 'networking.istio.io',
        version: 'v1',
        namespace: 'default',
        plural: 'virtualservices',
      })
      .catch((e: unknown) => e);
    expect(statusOf(error)).toBe(404);
  });
});
