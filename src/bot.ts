import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.js';
import { randomBytes } from 'node:crypto';
import type { Db } from './db/database.js';
import { HostLocks } from './support/host-locks.js';
import type { Access } from './use-cases/ports.js';
import type { DevenvDeps, DevenvSettings } from './use-cases/devenvs.js';
import { KubeCluster } from './kube/cluster.js';
import { connectKube } from './kube/connect.js';
import { createDevenvCluster } from './kube/devenv-cluster.js';
import { IstioRouteApplier } from './kube/istio-applier.js';
import { renderIstioObjects } from './domain/devenv/render-istio.js';
import { renderGatewayApi } from './domain/devenv/render-gateway-api.js';
import { GatewayApiRouteApplier } from './kube/gateway-api-applier.js';
import { openDatabase } from './db/database.js';
import { createHttpServer, type RouteHandler } from './http/server.js';
import { gateCheckHandler } from './http/gate-api.js';
import type { GateDeps } from './use-cases/check-gate.js';
import { createLogger, type Logger } from './logger.js';
import type { Services } from './services.js';
import { createSlackApp } from './slack/app.js';
import { SlackGroupDirectory } from './slack/group-directory.js';
import { SlackNoticeDelivery } from './slack/notice-delivery.js';
import { registerReleaseCommand } from './slack/listeners/release-command.js';
import { registerSignoffActions } from './slack/listeners/signoff-actions.js';
import { registerDevenv } from './slack/listeners/devenv-command.js';
import type { RoutingSettings } from './domain/devenv/routing.js';
import { JiraGateway } from './jira/jira-gateway.js';
import { startDevenvUpkeep } from './upkeep.js';
import { registerExceptionActions } from './slack/listeners/exception-actions.js';
import { registerAppHome } from './slack/listeners/app-home.js';
import { scopeBlocks } from './slack/blocks/scope.js';
import { loadScopeView } from './use-cases/release-scope.js';
import { AccessControl } from './use-cases/access.js';
import { systemClock, type Clock, type Notice } from './use-cases/ports.js';
import { seedSignoffRoles } from './use-cases/roles.js';
import { outboxOwnerNotifier } from './use-cases/devenv-upkeep.js';
import { syncTracker } from './use-cases/release-lifecycle.js';
import { OutboxRelay, type NoticeDeliverer, type RelaySettings } from './outbox/relay.js';
import { InFlight } from './support/in-flight.js';

export interface BotOptions {
  clock?: Clock;
  logger?: Logger;
  /** `manual`: no timers; the caller runs `services.upkeep.runOnce()` (tests with a controlled clock). */
  upkeep?: 'timers' | 'manual';
  /** Outbox timing, for tests that would otherwise wait out real backoffs. */
  relay?: Partial<RelaySettings>;
}

export interface RunningBot {
  port: number;
  services: Services;
  /** Graceful: stop taking requests, finish those in flight, flush the outbox within the grace period. */
  stop(): Promise<void>;
}

/** How long the announcement may wait for the Jira scope section before it goes out without it. */
const SCOPE_SECTION_BUDGET_MS = 3_000;

/** The composition root: config → logger → database → adapters → listeners → listening. */
export async function startBot(config: Config, options: BotOptions = {}): Promise<RunningBot> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  const database = openDatabase(config.databasePath);
  const { db } = database;

  const slack = createSlackApp(config, logger);
  const groups = new SlackGroupDirectory(slack.app.client);
  const access = new AccessControl(config.releaseManagers, groups);
  const jira = config.jira
    ? new JiraGateway(config.jira, clock, logger.child({ component: 'jira' }))
    : undefined;

  const slackDelivery = new SlackNoticeDelivery(
    slack.app.client,
    db,
    config.slack.releaseChannel,
    logger.child({ component: 'notices' }),
  );
  slackDelivery.addSection(async (release) => {
    const view = await withinBudget(loadScopeView(jira, release.version, logger), SCOPE_SECTION_BUDGET_MS);
    return view
      ? scopeBlocks(view, clock.now())
      : scopeBlocks({ kind: 'failed', problem: 'Jira did not answer in time' }, clock.now());
  });
  // The Jira write-back after a ship: one attempt (markReleased retries itself); the outcome is a notice.
  const trackerDelivery: NoticeDeliverer = {
    deliver: async (notice: Notice) => {
      if (notice.kind !== 'tracker_sync_requested') return;
      await syncTracker(
        { db, clock, outbox: relay, tracker: jira },
        { userId: notice.actor },
        notice.release.id,
      );
    },
    classify: (error) => ({ kind: 'transient', reason: `unexpected: ${(error as Error).message}` }),
    deliveryFailed: () => Promise.resolve(),
  };
  const relay: OutboxRelay = new OutboxRelay(
    db,
    (notice) => (notice.kind === 'tracker_sync_requested' ? trackerDelivery : slackDelivery),
    logger.child({ component: 'outbox' }),
    options.relay,
  );

  const routing: RoutingSettings = {
    preprodNamespace: config.devenv.preprodNamespace,
    clusterDomain: config.devenv.clusterDomain,
    routingHeader: config.devenv.routingHeader,
    link:
      config.devenv.domain && config.devenv.gateway && config.devenv.entryService
        ? {
            domain: config.devenv.domain,
            gateway: config.devenv.gateway,
            entryService: config.devenv.entryService,
          }
        : undefined,
  };
  const devenv = wireDevenv(config, {
    db,
    clock,
    access,
    routing,
    logger: logger.child({ component: 'devenv' }),
  });
  const upkeep = startDevenvUpkeep(devenv, outboxOwnerNotifier(devenv, relay), {
    reconcileIntervalMs: config.devenv.reconcileIntervalSeconds * 1000,
    expiryTickMs: 60_000,
    logger: logger.child({ component: 'devenv-upkeep' }),
    autostart: options.upkeep !== 'manual',
  });
  const lifecycle = new AbortController();
  const services: Services = {
    upkeep,
    shutdown: lifecycle.signal,
    config,
    db,
    clock,
    access,
    outbox: relay,
    relay,
    logger,
    devenv,
    routing,
    jira,
    tracker: jira,
  };

  const seeded = seedSignoffRoles(services, config.signoffRolesSeed);
  if (seeded > 0) logger.info({ roles: seeded }, 'seeded sign-off roles from SIGNOFF_ROLES');

  // Every listener runs inside this count, including its work after the ack: shutdown waits for it.
  const listeners = new InFlight();
  slack.app.use(({ next }) => listeners.track(next));
  registerReleaseCommand(slack.app, services);
  registerSignoffActions(slack.app, services);
  registerDevenv(slack.app, services);
  registerExceptionActions(slack.app, services);
  registerAppHome(slack.app, services);
  slack.app.error((error) => {
    logger.error({ err: error }, 'unhandled Slack listener error');
    return Promise.resolve();
  });

  const gate: GateDeps = {
    db,
    clock,
    outbox: relay,
    issues: jira,
    logger: logger.child({ component: 'gate' }),
    settings: {
      fixTypes: config.gate.fixTypes,
      environments: config.gate.environments,
      failOpen: config.gate.failOpen,
      issueCacheSeconds: config.gate.issueCacheSeconds,
      versionNameTemplate: config.jira?.versionNameTemplate ?? '{version}',
      jiraBudgetMs: 8_000,
    },
  };
  const api: Record<string, RouteHandler> = {
    'POST /api/v1/gate/check': gateCheckHandler(gate, config.gate.tokens),
  };
  let ready = false;
  const server: Server = createHttpServer(
    { slackEvents: slack.httpReceiver?.requestListener, api, isReady: () => ready },
    logger,
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.http.port, config.http.host, () => resolve());
  });
  if (slack.socketReceiver) await slack.socketReceiver.start();
  ready = true;
  // Whatever a previous run committed but did not deliver goes out now.
  relay.wake();
  const pruning = setInterval(() => relay.prune(), 3600_000).unref();
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, mode: slack.socketReceiver ? 'socket' : 'http' }, 'release-bot is ready');

  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    const deadline = Date.now() + config.shutdownGraceSeconds * 1000;
    ready = false;
    upkeep.stop();
    clearInterval(pruning);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    if (slack.socketReceiver) await slack.socketReceiver.stop();
    const finished = await listeners.settled(deadline);
    await Promise.race([closed, sleepUntil(deadline)]);
    const left = await relay.drain(deadline);
    relay.stop();
    lifecycle.abort();
    server.closeAllConnections();
    logger.info(
      { listenersUnfinished: finished ? 0 : listeners.count, outboxPending: left },
      'release-bot stopped; pending notices go out after the next start',
    );
    database.close();
  };
  return {
    port,
    services,
    stop: () => (stopping ??= stop()),
  };
}

/** Picks the mesh provider and the cluster (or dry-run) for /devenv from the validated config. */
function wireDevenv(
  config: Config,
  parts: { db: Db; clock: Clock; access: Access; routing: RoutingSettings; logger: Logger },
): DevenvDeps & { kube: KubeCluster | undefined } {
  const settings: DevenvSettings = {
    namespaceTemplate: config.devenv.namespaceTemplate,
    ttlDefaultSeconds: config.devenv.ttlDefaultSeconds,
    ttlMaxSeconds: config.devenv.ttlMaxSeconds,
    maxPerUser: config.devenv.maxPerUser,
    maxTotal: config.devenv.maxTotal,
    preprodNamespace: config.devenv.preprodNamespace,
    serviceSelector: config.devenv.serviceSelector,
  };
  const connection = connectKube(config.devenv);
  const header = parts.routing.routingHeader;
  const gatewayRouting =
    config.devenv.mesh === 'gateway-api' && header ? { ...parts.routing, routingHeader: header } : undefined;
  const applierFor = (kube: KubeCluster) =>
    gatewayRouting
      ? new GatewayApiRouteApplier(kube, gatewayRouting)
      : new IstioRouteApplier(kube, parts.routing);
  const kube =
    'kubeConfig' in connection
      ? new KubeCluster(connection.kubeConfig, config.devenv.kubeTimeoutSeconds * 1000)
      : undefined;
  const dryRunReason =
    'reason' in connection
      ? connection.reason
      : config.devenv.mode === 'dry-run'
        ? 'DEVENV_MODE=dry-run'
        : undefined;
  return {
    db: parts.db,
    clock: parts.clock,
    access: parts.access,
    settings,
    cluster: kube ? createDevenvCluster(kube, settings, applierFor(kube)) : undefined,
    dryRunReason,
    render: (envs) =>
      gatewayRouting ? renderGatewayApi(envs, gatewayRouting, {}) : renderIstioObjects(envs, parts.routing),
    supportsExternalTargets: !gatewayRouting,
    randomSuffix: () => randomBytes(3).toString('hex').slice(0, 5),
    logger: parts.logger,
    locks: new HostLocks(),
    policy: {
      creators: config.devenv.users,
      targetNamespaces: config.devenv.targetNamespaces,
      externalHosts: config.devenv.externalHosts,
      clusterDomain: config.devenv.clusterDomain,
    },
    kube,
  };
}

async function withinBudget<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

function sleepUntil(deadline: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())).unref());
}
