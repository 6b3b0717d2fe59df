import type { Config } from './config.js';
import type { ReleaseRow } from './db/releases.js';
import type { Store } from './db/database.js';
import type { Logger } from './logger.js';
import type { OutboxRelay } from './outbox/relay.js';
import type { Access, Clock, GroupDirectory, Outbox, ReleaseTracker } from './use-cases/ports.js';
import type { CalendarDeps } from './use-cases/release-calendar.js';
import type { Scheduler } from './scheduler.js';
import type { HomePublisher } from './slack/home-publisher.js';
import type { ExceptionDeps } from './use-cases/freeze-exceptions.js';
import type { DevenvDeps } from './use-cases/devenvs.js';
import type { RoutingSettings } from './domain/devenv/routing.js';
import type { JiraGateway } from './jira/jira-gateway.js';
import type { DevenvUpkeep } from './upkeep.js';
import type { FreezeControl } from './wiring/cluster.js';
import type { GateWarmth } from './use-cases/gate-warmth.js';

/** Everything a Slack listener or HTTP handler may call into, wired once by the composition root. */
export interface Services extends CalendarDeps, ExceptionDeps {
  config: Config;
  store: Store;
  clock: Clock;
  access: Access;
  outbox: Outbox;
  /** The outbox's delivery side: its depth for status and metrics. */
  relay: OutboxRelay;
  tracker?: ReleaseTracker;
  logger: Logger;
  devenv: DevenvDeps;
  jira: JiraGateway | undefined;
  upkeep: DevenvUpkeep;
  /** Aborted when the bot stops: background work (readiness polling) ends with it. */
  shutdown: AbortSignal;
  routing: RoutingSettings;
  groups: GroupDirectory;
  /** JIRA_RELEASE_NOTES=description: the short notes written into each Jira version at ship. */
  trackerDescription?: (release: ReleaseRow) => Promise<string | undefined>;
  /** The release calendar's timer (tests run its passes themselves). */
  scheduler: Scheduler;
  /** Re-publishes App Home views when what they show changes. */
  homes: HomePublisher;
  /** The freeze the cluster keeps (FREEZE_NAMESPACES, FREEZE_ENFORCEMENT). */
  freeze: FreezeControl;
  /** Keeps the gate's issue cache warm from frozen scopes (when Jira is connected). */
  gateWarmth?: GateWarmth;
}
