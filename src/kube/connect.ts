import { accessSync, constants, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '../vendor/kubernetes.js';
import type { Config } from '../config.js';
import { ConfigError } from '../config.js';

/**
 * The cluster to use, or why there is none (then /devenv only shows what it would apply). A KUBECONFIG
 * that is set but unusable is a configuration mistake, not a quiet dry-run: it stops the start.
 */
export function connectKube(config: Config['devenv']): { kubeConfig: k8s.KubeConfig } | { reason: string } {
  const explicit = config.kubeconfigPath;
  const fallback = join(homedir(), '.kube', 'config');
  const path = explicit ?? (existsSync(fallback) ? fallback : undefined);
  const kubeConfig = new k8s.KubeConfig();
  if (path) {
    const problem = (message: string) => (explicit ? new ConfigError([`KUBECONFIG: ${message}`]) : undefined);
    try {
      accessSync(path, constants.R_OK);
      kubeConfig.loadFromFile(path);
    } catch (error) {
      const failure = problem(`${path} cannot be read (${(error as Error).message.split('\n')[0]})`);
      if (failure) throw failure;
      return { reason: `${path} cannot be read` };
    }
    if (!kubeConfig.getCurrentContext() || !kubeConfig.getCurrentCluster()) {
      const failure = problem(`${path} has no current context (kubectl config use-context <name>)`);
      if (failure) throw failure;
      return { reason: 'the kubeconfig has no current context' };
    }
  } else if (config.inCluster) {
    kubeConfig.loadFromCluster();
  } else {
    return { reason: 'no Kubernetes cluster is configured (set KUBECONFIG)' };
  }
  return { kubeConfig };
}
