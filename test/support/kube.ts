import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';

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
