/** Who leads: the Lease, and what a standby answers Slack. */
import type * as k8s from '../vendor/kubernetes.js';
import { ConfigError, type Config } from '../config.js';
import { LeaseElector } from '../kube/lease.js';
import { raiseFence } from '../db/fencing.js';
import type { Store } from '../db/query.js';
import type { Clock } from '../use-cases/ports.js';
import type { PostToResponseUrl } from '../slack/response-url.js';
import type { Logger } from '../logger.js';
import type { RoutedArgs } from '../slack/routes.js';

/** On a standby instance every Slack request is answered "another instance is active" and changes nothing. */
export function standbyGuard(
  isActive: () => boolean,
  postToResponseUrl: PostToResponseUrl,
): (args: RoutedArgs, proceed: () => Promise<void>) => Promise<void> {
  const text =
    ':hourglass: This release-bot instance is on standby; another one is active. Try again in a few seconds.';
  return async (args, proceed) => {
    if (isActive()) {
      await proceed();
      return;
    }
    const { ack, body } = args as unknown as {
      ack?: (response?: unknown) => Promise<void>;
      body: { command?: string; response_url?: string };
    };
    if (body.command) {
      await ack?.({ response_type: 'ephemeral', text });
      return;
    }
    await ack?.();
    if (body.response_url)
      await postToResponseUrl(body.response_url, { response_type: 'ephemeral', text }).catch(() => undefined);
  };
}

/** The Lease, when leader election is on (by default whenever a cluster is configured). */
export async function leaseElectorFor(
  config: Config,
  kubeConfig: k8s.KubeConfig | undefined,
  logger: Logger,
  identity: string,
  minimumEpoch: () => Promise<number>,
): Promise<LeaseElector | undefined> {
  const { mode, leaseName, leaseNamespace } = config.leaderElection;
  if (mode === 'off' || (mode === 'auto' && !kubeConfig)) return undefined;
  if (!kubeConfig) {
    throw new ConfigError(['LEADER_ELECTION: "on" needs a cluster: set KUBECONFIG or run in a pod']);
  }
  // Its own client: Lease renewals are not the devenv traffic that the kube call counters measure.
  const { KubeCluster } = await import('../kube/cluster.js');
  return new LeaseElector(
    new KubeCluster(kubeConfig, config.devenv.kubeTimeoutSeconds * 1000),
    {
      namespace: leaseNamespace,
      name: leaseName,
      identity,
      leaseDurationSeconds: config.leaderElection.leaseDurationSeconds,
      renewDeadlineSeconds: config.leaderElection.renewDeadlineSeconds,
      retryPeriodSeconds: config.leaderElection.retryPeriodSeconds,
      minimumEpoch,
    },
    logger.child({ component: 'lease' }),
  );
}

/**
 * First of all the Lease's listeners: a new term raises the fence before any of its work runs, so from then
 * on a former holder's writes are refused.
 */
export function raiseFenceOnEachTerm(
  elector: LeaseElector,
  deps: { store: Store; clock: Clock; identity: string; logger: Logger },
): void {
  elector.onChange((leader) => {
    const epoch = elector.epoch();
    if (!leader || epoch === undefined) return;
    // Queued before any of the term's work (the store takes units of work in order).
    deps.store
      .transaction((tx) => raiseFence(tx, epoch, deps.identity, deps.clock.now()))
      .then((raised) => {
        if (!raised) deps.logger.error({ epoch }, 'a later leadership epoch is already in the database');
      })
      .catch((error: unknown) =>
        deps.logger.error({ err: error, epoch }, 'raising the leadership fence failed'),
      );
  });
}

/**
 * Slack spreads Socket Mode events over every open socket. On SQLite only the Lease holder opens one, so a
 * standby never receives (and refuses) half of the interactions: it opens when it takes the Lease and closes
 * on loss. On PostgreSQL every replica serves, so every replica opens one. Returns `follow(open)`.
 */
export function socketFollower(
  socket: { start(): Promise<unknown>; stop(): Promise<unknown> } | undefined,
  logger: Logger,
): (open: boolean) => Promise<void> {
  let socketOpen = false;
  let turn: Promise<void> = Promise.resolve();
  return (open) => {
    turn = turn.then(async () => {
      if (!socket || open === socketOpen) return;
      socketOpen = open;
      if (open) await socket.start();
      else await socket.stop();
      logger.info({ open }, open ? 'Socket Mode connected (Lease holder)' : 'Socket Mode closed (standby)');
    });
    return turn.catch((error: unknown) =>
      logger.error({ err: error }, 'Socket Mode could not follow the Lease'),
    );
  };
}
