import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.js';
import { openDatabase } from './db/database.js';
import { createHttpServer, type RouteHandler } from './http/server.js';
import { gateCheckHandler } from './http/gate-api.js';
import type { GateDeps } from './use-cases/check-gate.js';
import { createLogger, type Logger } from './logger.js';
import type { Services } from './services.js';
import { SlackReleaseAnnouncer } from './slack/announcer.js';
import { createSlackApp } from './slack/app.js';
import { SlackGroupDirectory } from './slack/group-directory.js';
import { registerReleaseCommand } from './slack/listeners/release-command.js';
import { registerSignoffActions } from './slack/listeners/signoff-actions.js';
import { registerDevenv } from './slack/listeners/devenv-command.js';
import type { RoutingSettings } from './domain/devenv/routing.js';
import { createDevenvDeps } from './kube/devenv-wiring.js';
import { JiraGateway } from './jira/jira-gateway.js';
import { startDevenvUpkeep } from './upkeep.js';
import { SlackDevenvOwnerNotifier } from './slack/devenv-owner-notifier.js';
import { SlackExceptionNotifier } from './slack/exception-notifier.js';
import { registerExceptionActions } from './slack/listeners/exception-actions.js';
import { registerAppHome } from './slack/listeners/app-home.js';
import { scopeBlocks } from './slack/blocks/scope.js';
import { loadScopeView } from './use-cases/release-scope.js';
import { AccessControl } from './use-cases/access.js';
import { systemClock, type Clock } from './use-cases/ports.js';
import { seedSignoffRoles } from './use-cases/roles.js';

export interface BotOptions {
  clock?: Clock;
  logger?: Logger;
  /** `manual`: no timers; the caller runs `services.upkeep.runOnce()` (tests with a controlled clock). */
  upkeep?: 'timers' | 'manual';
}

export interface RunningBot {
  port: number;
  services: Services;
  stop(): Promise<void>;
}

/** The composition root: config → logger → database → adapters → listeners → listening. */
export async function startBot(config: Config, options: BotOptions = {}): Promise<RunningBot> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  const database = openDatabase(config.databasePath);
  const { db } = database;

  const slack = createSlackApp(config, logger);
  const groups = new SlackGroupDirectory(slack.app.client);
  const access = new AccessControl(config.releaseManagers, groups);
  const announcer = new SlackReleaseAnnouncer(
    slack.app.client,
    db,
    config.slack.releaseChannel,
    logger.child({ component: 'announcer' }),
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
  const devenv = createDevenvDeps(config, {
    db,
    clock,
    access,
    routing,
    logger: logger.child({ component: 'devenv' }),
  });
  const jira = config.jira
    ? new JiraGateway(config.jira, clock, logger.child({ component: 'jira' }))
    : undefined;
  const upkeep = startDevenvUpkeep(
    devenv,
    new SlackDevenvOwnerNotifier(slack.app.client, logger.child({ component: 'devenv-owner' })),
    {
      reconcileIntervalMs: config.devenv.reconcileIntervalSeconds * 1000,
      expiryTickMs: 60_000,
      logger: logger.child({ component: 'devenv-upkeep' }),
      autostart: options.upkeep !== 'manual',
    },
  );
  const exceptionNotifier = new SlackExceptionNotifier(
    slack.app.client,
    db,
    config.slack.releaseChannel,
    logger.child({ component: 'exceptions' }),
  );
  const lifecycle = new AbortController();
  const services: Services = {
    upkeep,
    shutdown: lifecycle.signal,
    exceptionNotifier,
    config,
    db,
    clock,
    access,
    announcer,
    logger,
    devenv,
    routing,
    jira,
    tracker: jira,
  };
  announcer.addSection(async (release) =>
    scopeBlocks(await loadScopeView(jira, release.version, logger), clock.now()),
  );

  const seeded = seedSignoffRoles(services, config.signoffRolesSeed);
  if (seeded > 0) logger.info({ roles: seeded }, 'seeded sign-off roles from SIGNOFF_ROLES');

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
    announcer,
    jira,
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
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, mode: slack.socketReceiver ? 'socket' : 'http' }, 'release-bot is ready');

  return {
    port,
    services,
    async stop() {
      ready = false;
      lifecycle.abort();
      upkeep.stop();
      if (slack.socketReceiver) await slack.socketReceiver.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      database.close();
    },
  };
}
