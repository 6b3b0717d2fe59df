import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { Config } from '../config.js';

/** The cluster to use, or why there is none (then /devenv only shows what it would apply). */
export function connectKube(config: Config['devenv']): { kubeConfig: k8s.KubeConfig } | { reason: string } {
  const path =
    config.kubeconfigPath ??
    (existsSync(join(homedir(), '.kube', 'config')) ? join(homedir(), '.kube', 'config') : undefined);
  const kubeConfig = new k8s.KubeConfig();
  if (path) {
    if (!existsSync(path)) return { reason: `KUBECONFIG ${path} does not exist` };
    kubeConfig.loadFromFile(path);
  } else if (config.inCluster) {
    kubeConfig.loadFromCluster();
  } else {
    return { reason: 'no Kubernetes cluster is configured (set KUBECONFIG)' };
  }
  if (!kubeConfig.getCurrentCluster()) return { reason: `the kubeconfig has no current cluster` };
  return { kubeConfig };
}
