import { insertDevenv, listRoutedDevenvs, toDevenv } from '../src/db/devenvs.js';
import { serviceVirtualServiceName } from '../src/domain/devenv/names.js';
import type { KubeCluster } from '../src/kube/cluster.js';
import { writesIn } from '../src/kube/route-applier.js';
import { startTestCluster } from '../test/cluster/cluster.js';
import { startTestBot } from '../test/support/bot-harness.js';
import { createService, freshNamespace, getVirtualService, ISTIO, kubeConfig } from '../test/support/kube.js';
import * as k8s from '@kubernetes/client-node';
import { envNumber, ms } from './stats.js';

export async function benchDevenv(): Promise<void> {
  const services = 20;
  const liveEnvs = envNumber('BENCH_ENVS', 500);
  console.log(`\n## developer environments on a real kube-apiserver (Istio)`);
  const cluster = await startTestCluster();
  try {
    const kc = kubeConfig(cluster.main.kubeconfigPath);
    const ns = await freshNamespace(kc, 'preprod');
    const names = Array.from({ length: services }, (_, i) => `svc-${String(i).padStart(2, '0')}`);
    for (const name of names) await createService(kc, ns, name);
    const t = await startTestBot({
      KUBECONFIG: cluster.main.kubeconfigPath,
      DEVENV_PREPROD_NAMESPACE: ns,
      DEVENV_MAX_TOTAL: '10000',
      DEVENV_MAX_PER_USER: '10000',
    });
    const deps = t.bot.services.devenv;
    const kube = (deps as unknown as { kube: KubeCluster }).kube;
    const calls = () => ({ ...kube.calls });
    const delta = (before: { reads: number; writes: number }) => ({
      reads: kube.calls.reads - before.reads,
      writes: kube.calls.writes - before.writes,
    });

    let before = calls();
    let started = performance.now();
    await t.command('/devenv', `${names.join(' ')} name=wide`, 'UBENCH0001');
    console.log(
      `20-service environment applied via /devenv in ${ms(performance.now() - started)} (goal ≤ 1 s); API calls ${JSON.stringify(delta(before))}`,
    );
    await t.command('/devenv', 'delete wide', 'UBENCH0001');

    // Per-host locks: a small environment on another service does not queue behind a wide one.
    await createService(kc, ns, 'solo-service');
    let soloAlone = performance.now();
    await t.command('/devenv', 'solo-service name=solo0', 'UBENCH0002');
    soloAlone = performance.now() - soloAlone;
    await t.command('/devenv', 'delete solo0', 'UBENCH0002');
    const wideStarted = performance.now();
    const wide = t
      .command('/devenv', `${names.join(' ')} name=wide2`, 'UBENCH0001')
      .then(() => performance.now() - wideStarted);
    await new Promise((r) => setTimeout(r, 20));
    const soloStarted = performance.now();
    const solo = await t
      .command('/devenv', 'solo-service name=solo1', 'UBENCH0002')
      .then(() => performance.now() - soloStarted);
    const wideMs = await wide;
    console.log(
      `1-service env created while a 20-service env of another user is applied: ${ms(solo)} (alone: ${ms(soloAlone)}); the 20-service env took ${ms(wideMs)}, and the 1-service env ${solo < wideMs ? 'did not wait for it' : 'waited for it'}`,
    );
    await t.command('/devenv', 'delete wide2', 'UBENCH0001');
    await t.command('/devenv', 'delete solo1', 'UBENCH0002');

    const now = new Date();
    await deps.store.transaction(async (tx) => {
      for (let i = 0; i < liveEnvs; i++) {
        const service = names[i % services]!;
        await insertDevenv(tx, {
          name: `env-${i}`,
          owner: `U${String(i).padStart(8, '0')}`,
          overrides: [
            { service, target: { kind: 'devenv-namespace', namespace: `devenv-env-${i}`, service } },
          ],
          state: 'live',
          expiresAt: new Date(now.getTime() + 3600_000),
          createdAt: now,
        });
      }
    });
    started = performance.now();
    const first = await deps.cluster!.applier.converge((await listRoutedDevenvs(deps.store)).map(toDevenv));
    console.log(
      `${liveEnvs} live environments converged from scratch in ${ms(performance.now() - started)} (${writesIn(first)} writes)`,
    );

    before = calls();
    started = performance.now();
    await t.command('/devenv', 'svc-03 svc-07 name=one-more', 'UBENCH0002');
    console.log(
      `one more environment (2 services) with ${liveEnvs} live: API calls ${JSON.stringify(delta(before))} in ${ms(performance.now() - started)} (proportional to its services, not to the environments)`,
    );

    before = calls();
    started = performance.now();
    await t.bot.services.upkeep.runOnce();
    const idle = t.bot.services.upkeep.lastReconcile()!;
    console.log(
      `reconcile, nothing to do: ${ms(performance.now() - started)}, API calls ${JSON.stringify(delta(before))}, writes reported ${writesIn(idle.report)}`,
    );

    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    for (const name of names.slice(0, 10)) {
      const vs = await getVirtualService(kc, ns, serviceVirtualServiceName(name));
      vs.spec.http[0]!.route = [{ destination: { host: 'drifted.example.com' } }];
      await custom.replaceNamespacedCustomObject({
        ...ISTIO,
        namespace: ns,
        plural: 'virtualservices',
        name: serviceVirtualServiceName(name),
        body: vs,
      });
    }
    before = calls();
    started = performance.now();
    await t.bot.services.upkeep.runOnce();
    const repaired = t.bot.services.upkeep.lastReconcile()!;
    console.log(
      `reconcile, 10 drifted objects: ${ms(performance.now() - started)}, API calls ${JSON.stringify(delta(before))}, repaired ${writesIn(repaired.report)} (goal: exactly 10 writes)`,
    );
    await t.stop();
  } finally {
    await cluster.stop();
  }
}
