import * as k8s from '@kubernetes/client-node';
import { describe, expect, inject, it } from 'vitest';
import { freshNamespace, kubeConfig, renderKustomize, type KubeDoc } from '../support/kube.js';

interface Deployment {
  spec: {
    replicas: number;
    strategy: { type: string; rollingUpdate?: { maxUnavailable: number; maxSurge: number } };
    template: { spec: k8s.V1PodSpec };
  };
}

describe('the PostgreSQL overlay (deploy/kubernetes/ha), applied to a real API server', () => {
  const admin = kubeConfig(inject('kubeconfigPath'));
  const kustomize = inject('kustomizePath');

  it('runs two replicas spread over nodes, rolls without losing the last ready one, and keeps no volume', () => {
    const docs = renderKustomize(kustomize, 'deploy/kubernetes/ha', 'preprod');
    const deployment = docs.find((d) => d.kind === 'Deployment') as unknown as Deployment;
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
    const pod = deployment.spec.template.spec;
    expect(pod.topologySpreadConstraints).toEqual([
      expect.objectContaining({ topologyKey: 'kubernetes.io/hostname', maxSkew: 1 }),
    ]);
    const container = pod.containers[0]!;
    expect(container.env?.find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({
      name: 'release-bot-database',
      key: 'url',
    });
    expect(container.env?.some((e) => e.name === 'DATABASE_PATH')).toBe(false);
    // Readiness is /readyz, which includes the database and its migrations.
    expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect([pod.volumes?.map((v) => v.name), container.volumeMounts?.map((m) => m.mountPath)]).toEqual([
      ['tmp'],
      ['/tmp'],
    ]);
    expect(docs.some((d) => d.kind === 'PersistentVolumeClaim')).toBe(false);
    expect(docs.find((d) => d.kind === 'PodDisruptionBudget')).toMatchObject({
      spec: { minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'release-bot' } } },
    });
  });

  it('keeps the RBAC of the single-replica install exactly', () => {
    const rbac = (docs: KubeDoc[]) =>
      docs.filter((d) => ['Role', 'ClusterRole', 'RoleBinding', 'ServiceAccount'].includes(d.kind ?? ''));
    const ha = rbac(renderKustomize(kustomize, 'deploy/kubernetes/ha', 'preprod'));
    expect(ha).toEqual(rbac(renderKustomize(kustomize, 'deploy/kubernetes', 'preprod')));
    expect(ha.length).toBeGreaterThan(0);
  });

  it('is accepted by the API server (a server-side dry run of every object)', async () => {
    const ns = await freshNamespace(admin, 'preprod');
    const api = k8s.KubernetesObjectApi.makeApiClient(admin);
    const accepted: string[] = [];
    for (const doc of renderKustomize(kustomize, 'deploy/kubernetes/ha', ns)) {
      await api.patch(doc, undefined, 'All', 'installer', true, k8s.PatchStrategy.ServerSideApply);
      accepted.push(`${doc.kind}/${doc.metadata?.name}`);
    }
    expect(accepted).toContain('PodDisruptionBudget/release-bot');
    expect(accepted).toContain('Deployment/release-bot');
  });
});
