import { execFileSync } from 'node:child_process';
import * as k8s from '@kubernetes/client-node';
import type { KubeCluster } from '../src/kube/cluster.js';
import { startTestCluster } from '../test/cluster/cluster.js';
import { startTestBot } from '../test/support/bot-harness.js';
import { applyKustomize, patchWorkload, setImage } from '../test/support/freeze-cluster.js';
import { freshNamespace, kubeConfig } from '../test/support/kube.js';
import { envNumber, ms } from './stats.js';

/**
 * The freeze the cluster keeps: how long `/release freeze` takes with the candidate read from 500
 * workloads in 5 namespaces (and how many API requests), and how long from a `set image` to the thread line.
 */
export async function benchClusterFreeze(): Promise<void> {
  const workloads = envNumber('BENCH_WORKLOADS', 500);
  const namespaces = 5;
  console.log(`\n## the freeze the cluster keeps, on a real kube-apiserver`);
  const cluster = await startTestCluster();
  try {
    const kc = kubeConfig(cluster.main.kubeconfigPath);
    const kustomize = execFileSync('bash', ['test/cluster/build-kustomize.sh'], { encoding: 'utf8' }).trim();
    await applyKustomize(kc, kustomize, 'deploy/kubernetes/freeze-policy');
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const names: string[] = [];
    for (let n = 0; n < namespaces; n++) names.push(await freshNamespace(kc, 'bench'));
    await Promise.all(
      Array.from({ length: workloads }, (_, i) => {
        const name = `svc-${i}`;
        const selector = { app: name };
        return apps.createNamespacedDeployment({
          namespace: names[i % namespaces]!,
          body: {
            metadata: { name, labels: { 'app.kubernetes.io/name': name } },
            spec: {
              selector: { matchLabels: selector },
              template: {
                metadata: { labels: selector },
                spec: { containers: [{ name: 'app', image: `reg.example.com/${name}:1.0` }] },
              },
            },
          },
        });
      }),
    );
    const t = await startTestBot({
      KUBECONFIG: cluster.main.kubeconfigPath,
      LEADER_ELECTION: 'off',
      DEVENV_PREPROD_NAMESPACE: names[0]!,
      FREEZE_NAMESPACES: names.join(','),
      FREEZE_ENFORCEMENT: 'deny',
    });
    const kube = (t.bot.services.devenv as unknown as { kube: KubeCluster }).kube;
    const before = { ...kube.calls };
    await t.command('/release', 'create 2.4');
    const started = performance.now();
    await t.command('/release', 'freeze 2.4');
    const freezeMs = performance.now() - started;
    console.log(
      `freeze with ${workloads} workloads in ${namespaces} namespaces: ${ms(freezeMs)}; API requests: ${kube.calls.reads - before.reads} reads, ${kube.calls.writes - before.writes} writes (admission parameter and probes)`,
    );
    await t.slack.waitFor(() => t.bot.services.freeze.watch?.stats.lists, 30_000);
    const samples: number[] = [];
    for (let i = 0; i < 10; i++) {
      const sent = performance.now();
      await patchWorkload(
        kc,
        names[1]!,
        'Deployment',
        'svc-1',
        setImage(`reg.example.com/svc-1:9.${i}`),
        'kubectl-set',
      );
      await t.slack.waitFor(
        () =>
          t.slack
            .deliveredOf('chat.postMessage')
            .find((c) => String(c.args.text).includes(`svc-1:9.${i}`) && c.args.thread_ts !== undefined),
        10_000,
      );
      samples.push(performance.now() - sent);
    }
    samples.sort((a, b) => a - b);
    console.log(
      `set image → thread line: median ${ms(samples[5]!)}, worst ${ms(samples.at(-1)!)} of 10 (goal ≤ 10 s)`,
    );
    await t.stop();
  } finally {
    await cluster.stop();
  }
}
