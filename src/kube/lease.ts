import { AppError } from '../domain/errors.js';
import type { Logger } from '../logger.js';
import type { KubeCluster, ObservedObject } from './cluster.js';

export interface LeaseSettings {
  namespace: string;
  name: string;
  /** Who we are: unique per process (pod name + a random part). */
  identity: string;
  leaseDurationSeconds: number;
  /** A holder that could not renew for this long stops all work (shorter than the lease duration). */
  renewDeadlineSeconds: number;
  /** How often a holder renews and a candidate tries. */
  retryPeriodSeconds: number;
  /**
   * The lowest epoch a new term may have (the database's fence + 1): a Lease deleted and made anew starts
   * its transitions at 0 again, and must not hand out an epoch the fence already passed.
   */
  minimumEpoch?: () => Promise<number>;
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

/** The record as last seen, and when this process saw it change (on its own clock). */
export interface Observation {
  record: string;
  at: number;
}

/**
 * Pure: what a candidate may do with the Lease as it finds it, by client-go's leaderelection rules. Time
 * is counted from when this process observed the record change, never from the holder's `renewTime`:
 * that was written with another machine's clock. A holder keeps renewing; a released Lease (no holder)
 * is free at once; another holder's Lease is free once it has not changed for its whole duration.
 */
export function leaseAction(
  spec: LeaseSpec,
  identity: string,
  observedAt: number,
  now: number,
): 'renew' | 'take' | 'wait' {
  if (spec.holderIdentity === identity) return 'renew';
  if (!spec.holderIdentity) return 'take';
  const duration = (spec.leaseDurationSeconds ?? 15) * 1000;
  return observedAt + duration <= now ? 'take' : 'wait';
}

/**
 * One active instance, enforced with a `coordination.k8s.io/v1` Lease: acquired and renewed with a
 * compare-and-swap on resourceVersion, released on shutdown.
 *
 * The safety margin is client-go's: a holder that has not renewed for the renew deadline stops at once
 * (`isLeader()` turns false by itself, on its own clock, even in a process that was paused), while a
 * candidate waits the whole, longer lease duration from when it saw the last change. Each term has an
 * epoch (the Lease's `leaseTransitions`), which fences the term's writes (db/fencing).
 */
export class LeaseElector {
  private renewedAt = Number.NEGATIVE_INFINITY;
  private leading = false;
  private observed: Observation | undefined;
  private epochOfTerm: number | undefined;
  private termController = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private listeners: ((leader: boolean) => void)[] = [];
  private wasLeader = false;

  constructor(
    private readonly cluster: KubeCluster,
    private readonly settings: LeaseSettings,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.termController.abort(new Error('not leading'));
  }

  isLeader(): boolean {
    return this.leading && this.now() < this.renewedAt + this.settings.renewDeadlineSeconds * 1000;
  }

  /** The epoch of the term this instance holds, if it holds one. */
  epoch(): number | undefined {
    return this.isLeader() ? this.epochOfTerm : undefined;
  }

  /** Aborted when the current term ends (lost, lapsed, released): work of the term stops at once. */
  term(): AbortSignal {
    if (!this.isLeader()) this.notify();
    return this.termController.signal;
  }

  onChange(listener: (leader: boolean) => void): void {
    this.listeners.push(listener);
  }

  /** Tries at once, then every retry period. */
  start(): void {
    const tick = async () => {
      if (this.stopped) return;
      await this.tryAcquireOrRenew();
      if (!this.stopped)
        this.timer = setTimeout(() => void tick(), this.settings.retryPeriodSeconds * 1000).unref();
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
      const record = JSON.stringify(spec);
      if (this.observed?.record !== record) this.observed = { record, at: started };
      const action = current ? leaseAction(spec, identity, this.observed.at, started) : 'take';
      if (action === 'wait') {
        this.leading = false;
      } else {
        const at = microTime(started);
        const taking = action === 'take';
        const transitions = (spec.leaseTransitions ?? 0) + (taking && current ? 1 : 0);
        // The replace below carries the resourceVersion read above: a Lease changed meanwhile refuses it.
        const floor = taking ? ((await this.settings.minimumEpoch?.()) ?? 0) : 0;
        const next: LeaseSpec = {
          holderIdentity: identity,
          leaseDurationSeconds,
          acquireTime: taking ? at : (spec.acquireTime ?? at),
          renewTime: at,
          leaseTransitions: taking ? Math.max(transitions, floor) : transitions,
        };
        const body = {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: current ? { ...current.metadata } : { name, namespace },
          spec: next,
        };
        if (current) await this.cluster.replace(body);
        else await this.cluster.create(body);
        this.observed = { record: JSON.stringify(next), at: started };
        this.epochOfTerm = next.leaseTransitions;
        this.leading = true;
        this.renewedAt = started;
        this.watchDeadline();
      }
    } catch (error) {
      // A 409 means someone else won this round; anything else is a failed renewal. Either way a holder
      // leads on only until its renew deadline.
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

  /** Steps down the moment the renew deadline passes, not at the next round. */
  private watchDeadline(): void {
    clearTimeout(this.deadlineTimer);
    const left = this.renewedAt + this.settings.renewDeadlineSeconds * 1000 - this.now();
    this.deadlineTimer = setTimeout(() => this.notify(), Math.max(0, left) + 1).unref();
  }

  /**
   * Gives the Lease up so a standby takes over at once instead of after the duration. The term ends first
   * (nothing of it runs on), then the Lease is written; a 409 (a renewal raced it) is read again and retried.
   */
  async release(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.deadlineTimer);
    const held = this.isLeader();
    this.leading = false;
    this.notify();
    if (!held) return;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        const current = await this.read();
        if (!current || current.spec.holderIdentity !== this.settings.identity) return;
        await this.cluster.replace({
          ...current,
          spec: {
            ...current.spec,
            holderIdentity: null,
            leaseDurationSeconds: 1,
            renewTime: microTime(this.now()),
          },
        });
        return;
      } catch (error) {
        if (error instanceof AppError && error.reason === 'conflict') continue;
        this.logger.warn({ err: error }, 'could not release the Lease; a standby takes over when it lapses');
        return;
      }
    }
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
    if (leader) this.termController = new AbortController();
    else this.termController.abort(new Error('this instance no longer holds the Lease'));
    this.logger.info(
      { lease: `${this.settings.namespace}/${this.settings.name}`, leader, epoch: this.epochOfTerm },
      leader
        ? 'acquired the Lease: this instance is active'
        : 'not holding the Lease: this instance stands by',
    );
    for (const listener of this.listeners) listener(leader);
  }
}
