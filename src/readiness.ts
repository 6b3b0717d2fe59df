import type { OpenStore } from './db/open.js';
import type { ReadinessCheck } from './http/server.js';
import type { KubeCluster } from './kube/cluster.js';
import type { LeaseElector } from './kube/lease.js';
import type { Logger } from './logger.js';

/** How long a cluster answer is trusted: probes come every few seconds, the API server need not. */
const CLUSTER_CHECK_TTL_MS = 10_000;
const TOKEN_RETRY_MS = 30_000;

/**
 * `auth.test` at start, and again every 30 s until it has succeeded once: a bot whose token Slack refuses
 * is not ready (it would ack and then fail every reply).
 */
export class SlackTokenCheck {
  private problem: string | undefined = 'the Slack token has not been checked yet';
  private timer: NodeJS.Timeout | undefined;

  private checking = false;
  private wasRefused = false;

  constructor(
    private readonly whoAmI: () => Promise<unknown>,
    private readonly logger: Logger,
    /** Told when the token works again after it was refused (the outbox resumes). */
    private readonly recovered: () => void = () => undefined,
    /** Asks Slack now, past any cache: used once a call was refused for the token. */
    private readonly askAgain: () => Promise<unknown> = whoAmI,
  ) {}

  /**
   * A call was refused for the token (it was rotated or revoked): `/readyz` names it, and the token is
   * checked again until it works.
   */
  refused(reason: string): void {
    this.problem = `Slack refused the token (${reason.replace(/^slack:/, '')}): set a valid SLACK_BOT_TOKEN; pending notices wait for it`;
    this.wasRefused = true;
    if (!this.checking) this.start();
  }

  start(): void {
    this.checking = true;
    const attempt = async () => {
      try {
        await (this.wasRefused ? this.askAgain() : this.whoAmI());
        this.problem = undefined;
        this.checking = false;
        if (this.wasRefused) {
          this.wasRefused = false;
          this.recovered();
        }
      } catch (error) {
        const code = (error as { data?: { error?: string } }).data?.error;
        this.problem = `Slack refused auth.test${code ? ` (${code})` : ''}: check SLACK_BOT_TOKEN`;
        this.logger.warn({ err: error }, 'Slack token check failed; retrying');
        this.timer = setTimeout(() => void attempt(), TOKEN_RETRY_MS).unref();
      }
    };
    void attempt();
  }

  current(): string | undefined {
    return this.problem;
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

/** The conditions `/readyz` reports, each named, each saying what is wrong. */
export function readinessChecks(parts: {
  started: () => boolean;
  database: OpenStore;
  slackToken: SlackTokenCheck;
  cluster: KubeCluster | undefined;
  preprodNamespace: string;
  elector: LeaseElector | undefined;
  /** Every replica serves (PostgreSQL): the Lease only says who runs the background work. */
  sharedStore?: boolean;
  /** Why posts cannot be checked against Slack's history (a scope not granted), if they cannot. */
  slackHistory?: () => string | undefined;
}): ReadinessCheck[] {
  let clusterCheckedAt = 0;
  let clusterProblem: Promise<string | undefined> = Promise.resolve(undefined);
  const checks: ReadinessCheck[] = [
    { name: 'started', problem: () => (parts.started() ? undefined : 'starting or stopping') },
    { name: 'database', problem: () => parts.database.writeProblem() },
    { name: 'migrations', problem: () => parts.database.migrationProblem() },
    { name: 'slack', problem: () => parts.slackToken.current() },
  ];
  const history = parts.slackHistory;
  if (history) checks.push({ name: 'slack_history', problem: () => history(), advisory: true });
  const cluster = parts.cluster;
  if (cluster) {
    checks.push({
      name: 'cluster',
      problem: () => {
        if (Date.now() - clusterCheckedAt > CLUSTER_CHECK_TTL_MS) {
          clusterCheckedAt = Date.now();
          clusterProblem = cluster.listServices(parts.preprodNamespace).then(
            () => undefined,
            (error: unknown) => `the cluster is not reachable: ${(error as Error).message}`,
          );
        }
        return clusterProblem;
      },
    });
  }
  const elector = parts.elector;
  if (elector) {
    // On a shared store (PostgreSQL) a replica without the Lease still serves: it stays in the Service and
    // the Lease is reported, not required.
    checks.push({
      name: 'lease',
      problem: () =>
        elector.isLeader()
          ? undefined
          : parts.sharedStore
            ? 'another replica leads the background work (this one serves requests)'
            : 'another instance holds the Lease (standby)',
      advisory: parts.sharedStore === true,
    });
  }
  return checks;
}
