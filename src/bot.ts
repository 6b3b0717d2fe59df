// One cohesive thing, kept whole: the composition root, the list of parts wired from the validated
// configuration in start-up order, and the shutdown order; both orders matter and read best in one place.
// Each capability's wiring is in src/wiring/.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { hostname } from 'node:os';
import type { Config } from './config.js';
import { countLiveDevenvs } from './db/devenvs.js';
import { DEFAULT_RETRY } from './jira/errors.js';
import { LeaseElector } from './kube/lease.js';
import { runFenced } from './db/fencing.js';
import { Metrics } from './metrics.js';
import { readinessChecks, SlackTokenCheck } from './readiness.js';
import { responseUrlPoster } from './slack/response-url.js';
import { createHttpTransport } from './slack/http-transport.js';
import { EventLoopLag } from './support/event-loop-lag.js';
import { randomBytes } from 'node:crypto';
import { openStore } from './db/open.js';
import { createHttpServer, metricsHandler, serverOptions, type RouteHandler } from './http/server.js';
import { createLogger, type Logger } from './logger.js';
import type { Services } from './services.js';
import { createSlackApp } from './slack/app.js';
import { SlackGroupDirectory } from './slack/group-directory.js';
import { registerReleaseCommand } from './slack/listeners/release-command.js';
import { registerSignoffActions } from './slack/listeners/signoff-actions.js';
import { registerDevenv } from './slack/listeners/devenv-command.js';
import { startDevenvUpkeep } from './upkeep.js';
import { registerExceptionActions } from './slack/listeners/exception-actions.js';
import { registerAppHome } from './slack/listeners/app-home.js';
import { SlackRoutes } from './slack/routes.js';
import { routingSettings, wireDevenv, wireFreeze } from './wiring/cluster.js';
import { leaseElectorFor, raiseFenceOnEachTerm, socketFollower, standbyGuard } from './wiring/leadership.js';
import { wireNotices } from './wiring/notices.js';
import { gateRoutes } from './wiring/gate.js';
import { wireCalendar } from './wiring/calendar.js';
import { AccessControl } from './use-cases/access.js';
import { systemClock, type Clock } from './use-cases/ports.js';
import { countReleasesByState } from './db/releases.js';
import { seedSignoffRoles } from './use-cases/roles.js';
import { outboxOwnerNotifier } from './use-cases/devenv-upkeep.js';
import { startPruning } from './wiring/retention.js';
import { GateWarmth } from './use-cases/gate-warmth.js';
import { OutboxRelay, type RelaySettings } from './outbox/relay.js';
import { InFlight } from './support/in-flight.js';
import type { HomePublisherSettings } from './slack/home-publisher.js';

export interface BotOptions {
  clock?: Clock;
  logger?: Logger;
  /** `manual`: no timers; the caller runs `services.upkeep.runOnce()` (tests with a controlled clock). */
  upkeep?: 'timers' | 'manual';
  /** Outbox timing, for tests that would otherwise wait out real backoffs. */
  relay?: Partial<RelaySettings>;
  /** `manual`: the calendar runs only when the caller runs `services.scheduler.runOnce()`. */
  scheduler?: 'timers' | 'manual';
  /** App Home push throttling (tests shorten the window). */
  homes?: Partial<HomePublisherSettings>;
  /** More HTTP routes on the bot's server (the playground's page and endpoints). */
  extraRoutes?: Record<string, RouteHandler>;
}

export interface RunningBot {
  port: number;
  services: Services;
  /** Graceful: stop taking requests, finish those in flight, flush the outbox within the grace period. */
  stop(): Promise<void>;
}

/** The composition root: config → logger → database → adapters → listeners → listening. */
export async function startBot(config: Config, options: BotOptions = {}): Promise<RunningBot> {
  const logger = options.logger ?? createLogger(config.logLevel, undefined, config.logFormat);
  const clock = options.clock ?? systemClock;
  const database = await openStore(config);
  const { store } = database;
  const instance = await database.installationId(clock.now());
  // Who this process is, in the Lease and in outbox claims.
  const identity = `${config.leaderElection.podName ?? hostname()}-${randomBytes(4).toString('hex')}`;

  // Read at scrape time; `relay` and `elector` are assigned below.
  const metrics = new Metrics({
    releasesByState: () => countReleasesByState(store),
    liveDevenvs: () => countLiveDevenvs(store),
    outboxPending: () => relay.depth(),
    isLeader: () => isActive(),
    coldIssueLookups: (): number => jira?.coldLookups ?? 0,
  });
  const lease: { elector?: LeaseElector } = {};
  const isActive = () => lease.elector?.isLeader() ?? true;
  /** Background work under this term's epoch: its writes are refused once a later holder leads. */
  const fenced = <T>(work: () => T): T => runFenced(lease.elector?.epoch(), work);
  const slackTransport = createHttpTransport({ timeoutMs: config.slack.timeoutSeconds * 1000 });
  const slackFetch: typeof fetch = (input, init) => metrics.timeSlack(() => slackTransport(input, init));
  const postToResponseUrl = responseUrlPoster(slackFetch);
  // The outbox's calls end with the leadership term (or the shutdown deadline): never a post from a
  // former leader.
  const outboxFetch: typeof fetch = (input, init = {}) =>
    slackFetch(input, {
      ...init,
      signal: init.signal ? AbortSignal.any([init.signal, relay.signal()]) : relay.signal(),
    });
  const slack = createSlackApp(config, logger, slackFetch, outboxFetch);
  const groups = new SlackGroupDirectory(slack.client);
  const access = new AccessControl(config.releaseManagers, groups);
  // The Jira adapter loads only when Jira is configured, and jira.js itself with its first request.
  const jira = config.jira
    ? new (await import('./jira/jira-gateway.js')).JiraGateway(
        config.jira,
        clock,
        logger.child({ component: 'jira' }),
        DEFAULT_RETRY,
        (call) => metrics.time('jira', call),
      )
    : undefined;

  const notices = wireNotices(config, {
    store,
    clock,
    logger,
    slack,
    jira,
    groups,
    access,
    metrics,
    instance,
    postToResponseUrl,
    outbox: () => relay,
    homeSettings: options.homes,
  });
  const { slackDelivery, homes, notesDeps, managerPrincipals, trackerDescription } = notices;
  // Assigned once the token check exists (below): a refused token pauses the relay and names it in /readyz.
  const refusedToken: { report: (reason: string) => void } = { report: () => undefined };
  const relay: OutboxRelay = new OutboxRelay(
    store,
    (notice) => notices.route(notice),
    logger.child({ component: 'outbox' }),
    {
      mayRun: () => isActive(),
      onSettled: (outcome) => metrics.outboxSettled(outcome),
      onAuthRefused: (reason) => refusedToken.report(reason),
      identity,
      epoch: () => lease.elector?.epoch(),
      term: () => lease.elector?.term(),
      // Longer than a step's calls can take: each has the Slack deadline, and a step makes a few.
      claimTimeoutMs: (4 * config.slack.timeoutSeconds + 2) * 1000,
      ...options.relay,
    },
  );

  const routing = routingSettings(config, instance);
  const devenv = await wireDevenv(config, {
    store,
    clock,
    access,
    routing,
    logger: logger.child({ component: 'devenv' }),
    timed: (call) => metrics.time('kubernetes', call),
  });
  const freeze = await wireFreeze(config, {
    kube: devenv.kube,
    store,
    clock,
    outbox: relay,
    logger: logger.child({ component: 'freeze' }),
    mayRun: () => isActive(),
    fenced,
  });
  const elector = await leaseElectorFor(config, devenv.kubeConfig, logger, identity, async () => {
    const fence = await database.fence();
    return fence === undefined ? 0 : fence + 1;
  });
  lease.elector = elector;
  if (elector) raiseFenceOnEachTerm(elector, { store, clock, identity, logger });
  // The first round before anything runs: a standby must not reconcile or deliver even once.
  if (elector) await elector.tryAcquireOrRenew();
  const upkeep = startDevenvUpkeep(devenv, outboxOwnerNotifier(relay), {
    reconcileIntervalMs: config.devenv.reconcileIntervalSeconds * 1000,
    expiryTickMs: 60_000,
    logger: logger.child({ component: 'devenv-upkeep' }),
    autostart: options.upkeep !== 'manual',
    mayRun: () => isActive(),
    fenced,
    observe: {
      reconciled: (seconds, repairs) => metrics.reconciled(seconds, repairs),
      reaped: (count) => metrics.reapedEnvironments(count),
    },
  });
  const { calendar, schedule, scheduler } = wireCalendar(config, {
    deps: () => services,
    logger: logger.child({ component: 'calendar' }),
    isActive,
    fenced,
  });
  elector?.onChange((leader) => {
    if (!leader) return;
    relay.wake();
    if (options.scheduler !== 'manual') void scheduler.runOnce();
    if (options.upkeep !== 'manual') void upkeep.reconcileNow();
  });
  // During a freeze the frozen release's tickets are in the gate's cache before a pipeline asks.
  const gateWarmth = jira
    ? new GateWarmth(
        store,
        jira,
        { cacheSeconds: config.gate.issueCacheSeconds, mayRun: () => isActive(), tickMs: 1_000 },
        logger.child({ component: 'gate-warmth' }),
      )
    : undefined;
  const lifecycle = new AbortController();
  const services: Services = {
    upkeep,
    shutdown: lifecycle.signal,
    config,
    store,
    clock,
    access,
    outbox: relay,
    relay,
    logger,
    devenv,
    routing,
    jira,
    tracker: jira,
    calendar,
    schedule,
    groups,
    managerPrincipals,
    scheduler,
    homes,
    trackerDescription,
    candidate: freeze.candidate,
    enforcement: freeze.enforcement,
    freeze,
    gateWarmth,
  };

  const seeded = await seedSignoffRoles(services, config.signoffRolesSeed);
  if (seeded > 0) logger.info({ roles: seeded }, 'seeded sign-off roles from SIGNOFF_ROLES');

  // Every listener runs inside this count, including its work after the ack: shutdown waits for it. One
  // global middleware, not two: Bolt's chain allocates at every step of every request.
  const listeners = new InFlight();
  // With PostgreSQL every replica serves Slack and the gate (the store keeps them consistent), and only the
  // background work waits for the Lease; with SQLite (one replica) a standby answers that it is one.
  const sharedStore = database.kind === 'postgres';
  const serving = sharedStore ? () => true : isActive;
  const standby = standbyGuard(serving, postToResponseUrl);
  const routes = new SlackRoutes();
  registerReleaseCommand(routes, services);
  registerSignoffActions(routes, services);
  registerDevenv(routes, services);
  registerExceptionActions(routes, services);
  registerAppHome(routes, services);
  slack.app.use((args) => {
    const started = performance.now();
    return listeners
      .track(() => standby(args, () => routes.dispatch(args)))
      .finally(() => metrics.handled(handlerKind(args.body), (performance.now() - started) / 1000));
  });
  slack.app.error((error) => {
    logger.error({ err: error }, 'unhandled Slack listener error');
    return Promise.resolve();
  });

  const api: Record<string, RouteHandler> = {
    ...gateRoutes(config, {
      store,
      clock,
      outbox: relay,
      jira,
      enforcement: freeze.enforcement,
      logger: logger.child({ component: 'gate' }),
      metrics,
      notesDeps,
      isActive: serving,
      // A request is not background work: on a shared store any replica answers it, under no term.
      fenced: sharedStore ? (work) => work() : fenced,
    }),
    ...options.extraRoutes,
  };
  let started = false;
  let stopping: Promise<void> | undefined;
  const slackToken = new SlackTokenCheck(
    () => slack.whoAmI(),
    logger,
    () => relay.resume(),
    () => slack.checkToken(),
  );
  refusedToken.report = (reason) => slackToken.refused(reason);
  const lag = new EventLoopLag();
  const scrape = async () => ({
    contentType: metrics.registry.contentType,
    body: await metrics.registry.metrics(),
  });
  const server: Server = createHttpServer(
    {
      slackEvents: slack.httpReceiver?.requestListener,
      api,
      liveness: () =>
        lag.currentMs > MAX_EVENT_LOOP_LAG_MS ? `event loop lag ${Math.round(lag.currentMs)} ms` : undefined,
      readiness: readinessChecks({
        started: () => started && !stopping,
        database,
        slackToken,
        cluster: devenv.cluster && !devenv.dryRunReason ? devenv.kube : undefined,
        preprodNamespace: config.devenv.preprodNamespace,
        elector,
        sharedStore,
        slackHistory: () => slackDelivery.historyProblem(),
      }),
      metrics: config.http.metricsPort ? undefined : scrape,
      accepting: () => !stopping,
    },
    logger,
  );
  await listen(server, config.http.port, config.http.host);
  const metricsServer = config.http.metricsPort
    ? createServer(serverOptions(), metricsHandler(scrape))
    : undefined;
  if (metricsServer && config.http.metricsPort)
    await listen(metricsServer, config.http.metricsPort, config.http.host);
  const syncSocket = socketFollower(slack.socketReceiver, logger);
  await syncSocket(serving());
  if (!sharedStore) elector?.onChange((leader) => void syncSocket(leader));
  slackToken.start();
  elector?.start();
  started = true;
  // Whatever a previous run committed but did not deliver goes out now; the calendar catches up.
  relay.wake();
  if (options.scheduler !== 'manual') scheduler.start();
  freeze.start();
  gateWarmth?.start();
  const pruning = startPruning({
    store,
    clock,
    logger,
    isActive,
    retentionMs: config.retentionSeconds * 1000,
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, mode: slack.socketReceiver ? 'socket' : 'http', instance }, 'release-bot is ready');

  /**
   * The handover order: intake stops at once (idle keep-alive connections close, what still arrives gets
   * 503 + Connection: close), the requests in flight finish, the background work stops and its calls in
   * flight end, and only then is the Lease given up, so the next holder starts on a quiet database.
   * Pending notices are the next holder's (or, with one instance, go out within the grace period).
   */
  const stop = async (): Promise<void> => {
    const deadline = Date.now() + config.shutdownGraceSeconds * 1000;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    metricsServer?.close();
    await syncSocket(false);
    const finished = await listeners.settled(deadline);
    await Promise.race([closed, sleepUntil(deadline)]);
    // A database that does not answer must not keep the process from stopping: nothing is lost (the rows
    // stay pending), only the count is unknown.
    const left = await (elector ? relay.depth() : relay.drain(deadline)).catch((error: unknown) => {
      logger.warn({ err: error }, 'the outbox could not be read at shutdown');
      return undefined;
    });
    await Promise.all([relay.stop(deadline), upkeep.stop(), scheduler.stop()]);
    freeze.stop();
    gateWarmth?.stop();
    homes.stop();
    slackToken.stop();
    lag.stop();
    pruning.stop();
    await elector?.release();
    lifecycle.abort();
    server.closeAllConnections();
    logger.info(
      { listenersUnfinished: finished ? 0 : listeners.count, outboxPending: left },
      'release-bot stopped; pending notices go out after the next start',
    );
    await database.close();
  };
  return {
    port,
    services,
    stop: () => (stopping ??= stop()),
  };
}

/** A process whose event loop lags this much is not alive in any useful sense. */
const MAX_EVENT_LOOP_LAG_MS = 2_000;

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

function handlerKind(body: unknown): string {
  const b = (body ?? {}) as { type?: unknown; command?: unknown };
  if (typeof b.command === 'string') return 'command';
  if (b.type === 'block_actions') return 'action';
  if (b.type === 'view_submission' || b.type === 'view_closed') return 'view';
  if (b.type === 'event_callback') return 'event';
  return 'other';
}

function sleepUntil(deadline: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())).unref());
}
