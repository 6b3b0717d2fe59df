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

/** One real etcd + kube-apiserver (and a CRD-less twin) for the whole run, removed at the end. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const cluster = await startTestCluster();
  project.provide('kubeconfigPath', cluster.main.kubeconfigPath);
  project.provide('bareKubeconfigPath', cluster.bare.kubeconfigPath);
  project.provide('etcdUrl', cluster.etcdUrl);
  // kustomize renders deploy/kubernetes for the RBAC tests; built from Go modules once, then cached.
  const kustomize = execFileSync(
    'bash',
    [join(dirname(fileURLToPath(import.meta.url)), 'build-kustomize.sh')],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  ).trim();
  project.provide('kustomizePath', kustomize);
  process.stdout.write(`test cluster ready in ${Date.now() - started} ms at ${cluster.main.url}\n`);
  const stop = () => cluster.stop();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void stop().finally(() => process.exit(130));
    });
  }
  return stop;
}
