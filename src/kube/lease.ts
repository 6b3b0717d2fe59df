import { AppError } from '../domain/errors.js';
import type { Logger } from '../logger.js';
import type { KubeCluster, ObservedObject } from './cluster.js';

export interface LeaseSettings {
  namespace: string;
  name: string;
  /** Who we are: unique per process (pod name + a random part). */
  identity: string;
  leaseDurationSeconds: number;
}

interface LeaseSpec extends Record<string, unknown> {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number;
}

/** Kubernetes MicroTime: RFC 3339 with exactly six fractional digits (the API server parses it strictly). */
export function microTime(at: number): string {
  return new Date(at).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * Pure: what a candidate may do with the Lease as it finds it. The rules are client-go's leaderelection:
 * a holder keeps renewing; anyone may take a Lease whose holder let it lapse for its whole duration, or
 * one that was released (no holder).
 */
export function leaseAction(spec: LeaseSpec, identity: string, now: number): 'renew' | 'take' | 'wait' {
  if (spec.holderIdentity === identity) return 'renew';
  if (!spec.holderIdentity) return 'take';
  const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
  const duration = (spec.leaseDurationSeconds ?? 15) * 1000;
  return Number.isNaN(renewed) || renewed + duration < now ? 'take' : 'wait';
}

/**
 * One active instance, enforced with a `coordination.k8s.io/v1` Lease: acquired and renewed with a
 * compare-and-swap on resourceVersion, released on shutdown. `isLeader()` turns false by itself when
 * renewals have failed for a whole lease duration, so a partitioned holder steps down before another
 * can take over.
 */
export class LeaseElector {
  private heldUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private listeners: ((leader: boolean) => void)[] = [];
  private wasLeader = false;

  constructor(
    private readonly cluster: KubeCluster,
    private readonly settings: LeaseSettings,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  isLeader(): boolean {
    return this.heldUntil > this.now();
  }

  onChange(listener: (leader: boolean) => void): void {
    this.listeners.push(listener);
  }

  /** Tries at once, then every third of the lease duration. */
  start(): void {
    const tick = async () => {
      if (this.stopped) return;
      await this.tryAcquireOrRenew();
      if (!this.stopped)
        this.timer = setTimeout(() => void tick(), (this.settings.leaseDurationSeconds * 1000) / 3).unref();
    };
    void tick();
  }

  /** One round: resolves to whether we hold the Lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity, leaseDurationSeconds } = this.settings;
    const started = this.now();
    try {
      const current = await this.read();
      const spec: LeaseSpec = current?.spec ?? {};
      const action = current ? leaseAction(spec, identity, started) : 'take';
      if (action === 'wait') {
        this.heldUntil = 0;
      } else {
        const at = microTime(started);
        const next: LeaseSpec = {
          holderIdentity: identity,
          leaseDurationSeconds,
          acquireTime: action === 'renew' ? (spec.acquireTime ?? at) : at,
          renewTime: at,
          leaseTransitions: (spec.leaseTransitions ?? 0) + (action === 'take' && current ? 1 : 0),
        };
        const body = {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: current ? { ...current.metadata } : { name, namespace },
          spec: next,
        };
        if (current) await this.cluster.replace(body);
        else await this.cluster.create(body);
        this.heldUntil = started + leaseDurationSeconds * 1000;
      }
    } catch (error) {
      // A 409 means someone else won this round; anything else is a failed renewal. Either way we keep
      // only what is left of the duration we already hold.
      if (!(error instanceof AppError && error.reason === 'conflict')) {
        this.logger.warn(
          { err: error, lease: `${namespace}/${name}` },
          'could not acquire or renew the Lease',
        );
      }
    }
    this.notify();
    return this.isLeader();
  }

  /** Gives the Lease up so a standby takes over at once instead of after the duration. */
  async release(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.isLeader()) return;
    try {
      const current = await this.read();
      if (current && current.spec.holderIdentity === this.settings.identity) {
        await this.cluster.replace({
          ...current,
          spec: {
            ...current.spec,
            holderIdentity: null,
            leaseDurationSeconds: 1,
            renewTime: microTime(this.now()),
          },
        });
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'could not release the Lease; a standby takes over when it lapses');
    }
    this.heldUntil = 0;
    this.notify();
  }

  private async read(): Promise<ObservedObject | undefined> {
    const { namespace, name } = this.settings;
    try {
      return await this.cluster.get('coordination.k8s.io/v1', 'Lease', namespace, name);
    } catch (error) {
      if (error instanceof AppError && error.reason === 'not_found') return undefined;
      throw error;
    }
  }

  private notify(): void {
    const leader = this.isLeader();
    if (leader === this.wasLeader) return;
    this.wasLeader = leader;
    this.logger.info(
      { lease: `${this.settings.namespace}/${this.settings.name}`, leader },
      leader
        ? 'acquired the Lease: this instance is active'
        : 'not holding the Lease: this instance stands by',
    );
    for (const listener of this.listeners) listener(leader);
  }
}
