import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export type OutboundSystem = 'slack' | 'jira' | 'kubernetes';
/** `ratelimited`: HTTP 429; `refused`: Slack answered `ok: false` (HTTP 200, the call was not carried out). */
export type CallOutcome = 'ok' | 'error' | 'timeout' | 'ratelimited' | 'refused';

/** What gauges read at scrape time (from the database and the relay, never cached). */
export interface MetricSources {
  releasesByState(): Promise<Record<string, number>>;
  liveDevenvs(): Promise<number>;
  outboxPending(): Promise<number>;
  isLeader(): boolean;
  /** Gate issue look-ups that missed the (warmed) cache and went to Jira. */
  coldIssueLookups(): number;
}

/**
 * Prometheus metrics, one registry per bot (tests run several in one process). Names follow Prometheus
 * conventions: `release_bot_` prefix, base units, `_total` for counters.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly handlerDuration: Histogram<'kind'>;
  private readonly gateDecisions: Counter<'verdict' | 'repeated'>;
  private readonly outboundCalls: Counter<'system' | 'outcome'>;
  private readonly outboundDuration: Histogram<'system'>;
  private readonly reconcileDuration: Histogram;
  private readonly reconcileRepairs: Counter;
  private readonly reaped: Counter;
  private readonly outboxDelivered: Counter<'outcome'>;
  private readonly slackRefusals: Counter<'reason' | 'recovered'>;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'release_bot_' });
    this.handlerDuration = new Histogram({
      name: 'release_bot_slack_handler_duration_seconds',
      help: 'Time a Slack listener took, including work after the ack, by kind (command, action, view, event)',
      labelNames: ['kind'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.gateDecisions = new Counter({
      name: 'release_bot_gate_decisions_total',
      help: 'Freeze gate answers by verdict, and whether the change had been asked about before',
      labelNames: ['verdict', 'repeated'],
      registers,
    });
    this.outboundCalls = new Counter({
      name: 'release_bot_outbound_requests_total',
      help: 'Calls to Slack, Jira and Kubernetes by outcome',
      labelNames: ['system', 'outcome'],
      registers,
    });
    this.outboundDuration = new Histogram({
      name: 'release_bot_outbound_request_duration_seconds',
      help: 'Latency of calls to Slack, Jira and Kubernetes',
      labelNames: ['system'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.reconcileDuration = new Histogram({
      name: 'release_bot_devenv_reconcile_duration_seconds',
      help: 'Duration of a devenv reconcile pass',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.reconcileRepairs = new Counter({
      name: 'release_bot_devenv_reconcile_repairs_total',
      help: 'Objects a reconcile pass had to write or delete (drift and orphans)',
      registers,
    });
    this.reaped = new Counter({
      name: 'release_bot_devenvs_reaped_total',
      help: 'Expired developer environments removed',
      registers,
    });
    this.outboxDelivered = new Counter({
      name: 'release_bot_outbox_settled_total',
      help: 'Outbox notices settled, by outcome (delivered, failed)',
      labelNames: ['outcome'],
      registers,
    });
    this.slackRefusals = new Counter({
      name: 'release_bot_slack_refused_total',
      help: 'Messages and views Slack refused for their size or shape, by error, and whether a smaller form went out',
      labelNames: ['reason', 'recovered'],
      registers,
    });
    new Gauge({
      name: 'release_bot_outbox_pending',
      help: 'Notices waiting in the outbox',
      registers,
      async collect() {
        this.set(await sources.outboxPending());
      },
    });
    new Gauge({
      name: 'release_bot_devenvs_live',
      help: 'Live developer environments',
      registers,
      async collect() {
        this.set(await sources.liveDevenvs());
      },
    });
    new Gauge({
      name: 'release_bot_releases',
      help: 'Releases by state',
      labelNames: ['state'],
      registers,
      async collect() {
        const byState = await sources.releasesByState();
        this.reset();
        for (const [state, n] of Object.entries(byState)) this.set({ state }, n);
      },
    });
    new Counter({
      name: 'release_bot_gate_cold_issue_lookups_total',
      help: 'Gate issue look-ups not answered by the cache warmed from frozen scopes (they waited for Jira)',
      registers,
      collect() {
        this.reset();
        this.inc(sources.coldIssueLookups());
      },
    });
    new Gauge({
      name: 'release_bot_leader',
      help: '1 while this instance holds the Lease (or runs without one), else 0',
      registers,
      collect() {
        this.set(sources.isLeader() ? 1 : 0);
      },
    });
  }

  handled(kind: string, seconds: number): void {
    this.handlerDuration.observe({ kind }, seconds);
  }

  gateDecided(allowed: boolean, repeated: boolean): void {
    this.gateDecisions.inc({ verdict: allowed ? 'allowed' : 'refused', repeated: String(repeated) });
  }

  outbound(system: OutboundSystem, outcome: CallOutcome, seconds: number): void {
    this.outboundCalls.inc({ system, outcome });
    this.outboundDuration.observe({ system }, seconds);
  }

  reconciled(seconds: number, repairs: number): void {
    this.reconcileDuration.observe(seconds);
    this.reconcileRepairs.inc(repairs);
  }

  reapedEnvironments(count: number): void {
    this.reaped.inc(count);
  }

  outboxSettled(outcome: 'delivered' | 'failed'): void {
    this.outboxDelivered.inc({ outcome });
  }

  slackRefused(reason: string, recovered: boolean): void {
    this.slackRefusals.inc({ reason, recovered: String(recovered) });
  }

  /**
   * Times a call to Slack's Web API and counts what Slack made of it: a 429 or an `ok: false` answer is a
   * response, but not a success.
   */
  timeSlack(call: () => Promise<Response>): Promise<Response> {
    return this.time('slack', call, slackOutcome);
  }

  /** Times an outbound call and counts its outcome: `outcomeOf` reads it from an answer (default ok). */
  async time<T>(
    system: OutboundSystem,
    call: () => Promise<T>,
    outcomeOf: (result: T) => CallOutcome | Promise<CallOutcome> = () => 'ok',
  ): Promise<T> {
    const started = performance.now();
    try {
      const result = await call();
      this.outbound(system, await outcomeOf(result), (performance.now() - started) / 1000);
      return result;
    } catch (error) {
      const timedOut = /timeout|timed out|abort/i.test(
        String((error as Error).name) + String((error as Error).message),
      );
      this.outbound(system, timedOut ? 'timeout' : 'error', (performance.now() - started) / 1000);
      throw error;
    }
  }
}

async function slackOutcome(response: Response): Promise<CallOutcome> {
  if (response.status === 429) return 'ratelimited';
  if (!response.ok) return 'error';
  if (!response.headers.get('content-type')?.includes('json')) return 'ok';
  try {
    const body = (await response.clone().json()) as { ok?: unknown };
    return body.ok === false ? 'refused' : 'ok';
  } catch {
    return 'ok';
  }
}
