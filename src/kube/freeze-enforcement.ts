import { AppError } from '../domain/errors.js';
import {
  FREEZE_PARAMETER_NAME,
  FREEZE_PROBE_NAME,
  type FreezeParameter,
} from '../domain/freeze-parameter.js';
import type { Logger } from '../logger.js';
import type { FreezeEnforcement } from '../use-cases/ports.js';
import type { KubeCluster } from './cluster.js';
import { freezeNamespaces } from './workloads.js';

export interface EnforcementSettings {
  /** FREEZE_NAMESPACES: names or globs. */
  namespaces: readonly string[];
  /** How long a converge may take, confirmation included (KUBE_TIMEOUT). */
  timeoutMs: number;
  /** Pause between probes while admission still holds an older parameter. */
  probeIntervalMs: number;
}

/**
 * The freeze's admission parameter, converged like routes are: desired state comes from the database, is
 * written with server-side apply in every freeze namespace, and removed when nothing is frozen. In `deny`
 * mode a converge resolves only once admission sees the new content (a dry-run probe the policy checks
 * against the parameter's digest), so an answer given after it holds at the API server.
 */
export class KubeFreezeEnforcement implements FreezeEnforcement {
  private queue: Promise<unknown> = Promise.resolve();
  readonly stats = { writes: 0, probes: 0, stale: 0, repairs: 0 };

  constructor(
    private readonly cluster: KubeCluster,
    private readonly desired: () => Promise<FreezeParameter | undefined>,
    private readonly settings: EnforcementSettings,
    private readonly logger: Logger,
  ) {}

  /** One at a time: each reads the desired state when its turn comes, so a later write never loses to an earlier one. */
  converge(): Promise<void> {
    const run = this.queue.then(() => this.convergeNow(false));
    this.queue = run.catch(() => undefined);
    return run.then(() => undefined);
  }

  /** The reconcile pass: reads first, writes only what drifted (someone edited or deleted it). */
  reconcile(): Promise<number> {
    const run = this.queue.then(() => this.convergeNow(true));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async convergeNow(readFirst: boolean): Promise<number> {
    const deadline = Date.now() + this.settings.timeoutMs;
    const want = await this.desired();
    const namespaces = await freezeNamespaces(this.cluster, this.settings.namespaces);
    let repairs = 0;
    await Promise.all(
      namespaces.map(async (namespace) => {
        if (readFirst) {
          const current = await this.cluster.getConfigMap(namespace, FREEZE_PARAMETER_NAME);
          if (!want && !current) return;
          if (want && current && sameParameter(current, want)) return;
          repairs++;
        }
        this.stats.writes++;
        if (!want) await this.cluster.deleteConfigMap(namespace, FREEZE_PARAMETER_NAME);
        else
          await this.cluster.applyConfigMap({
            metadata: { name: FREEZE_PARAMETER_NAME, namespace, labels: want.labels },
            data: { ...want.data },
          });
      }),
    );
    if (repairs > 0) {
      this.stats.repairs += repairs;
      this.logger.info({ repairs }, 'freeze admission parameter repaired');
    }
    if (want?.data.mode === 'deny')
      await Promise.all(namespaces.map((ns) => this.confirm(ns, want.data.digest, deadline)));
    return repairs;
  }

  /**
   * Waits until a dry-run create of the probe passes: the policy lets it through only when the parameter
   * it sees carries `digest`. In a namespace not labelled for enforcement, or without the policy, it
   * passes at once (there is nothing to wait for).
   */
  private async confirm(namespace: string, digest: string, deadline: number): Promise<void> {
    for (;;) {
      this.stats.probes++;
      try {
        await this.cluster.dryRunCreateConfigMap({
          metadata: { name: FREEZE_PROBE_NAME, namespace },
          data: { digest },
        });
        return;
      } catch (error) {
        const stale = (error as { reason?: string }).reason === 'invalid_input';
        if (!stale) throw error;
        this.stats.stale++;
        if (Date.now() + this.settings.probeIntervalMs > deadline) {
          throw new AppError(
            'timeout',
            `admission in ${namespace} still held an older freeze parameter after ${this.settings.timeoutMs / 1000} s.`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, this.settings.probeIntervalMs));
      }
    }
  }
}

function sameParameter(
  current: { data: Record<string, string>; labels: Record<string, string> },
  want: FreezeParameter,
): boolean {
  return (
    Object.entries(want.data).every(([k, v]) => current.data[k] === v) &&
    Object.entries(want.labels).every(([k, v]) => current.labels[k] === v)
  );
}
