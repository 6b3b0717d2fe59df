import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startTestCluster } from './cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfigPath: string;
    bareKubeconfigPath: string;
    kustomizePath: string;
    etcdUrl: string;
  }
}

interface SharedCluster {
  started: Promise<{ cluster: Awaited<ReturnType<typeof startTestCluster>>; kustomize: string }>;
  users: number;
}
/**
 * Vitest runs a global setup once per project (and once for the root): every project shares one cluster,
 * kept on globalThis (the module itself is loaded again for each), and the last teardown stops it.
 */
const shared = globalThis as { releaseBotTestCluster?: SharedCluster };

/** One real etcd + kube-apiserver (and a CRD-less twin) for the whole run, removed at the end. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const first = !shared.releaseBotTestCluster;
  shared.releaseBotTestCluster ??= { started: startShared(), users: 0 };
  const entry = shared.releaseBotTestCluster;
  entry.users += 1;
  const { cluster, kustomize } = await entry.started;
  project.provide('kubeconfigPath', cluster.main.kubeconfigPath);
  project.provide('bareKubeconfigPath', cluster.bare.kubeconfigPath);
  project.provide('etcdUrl', cluster.etcdUrl);
  project.provide('kustomizePath', kustomize);
  const stop = () => cluster.stop();
  if (first) {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        void stop().finally(() => process.exit(130));
      });
    }
  }
  return async () => {
    entry.users -= 1;
    if (entry.users === 0) await stop();
  };
}

async function startShared(): Promise<Awaited<SharedCluster['started']>> {
  const started = Date.now();
  const cluster = await startTestCluster();
  // kustomize renders deploy/kubernetes for the RBAC tests; built from Go modules once, then cached.
  const kustomize = execFileSync(
    'bash',
    [join(dirname(fileURLToPath(import.meta.url)), 'build-kustomize.sh')],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  ).trim();
  process.stdout.write(`test cluster ready in ${Date.now() - started} ms at ${cluster.main.url}\n`);
  return { cluster, kustomize };
}
