import type { Config } from '../config.js';
import type { Store } from '../db/database.js';
import { gateCheckHandler } from '../http/gate-api.js';
import { RELEASE_EXPORTS_ROUTE, releaseExportsHandler } from '../http/release-exports.js';
import type { RouteHandler } from '../http/server.js';
import type { JiraGateway } from '../jira/jira-gateway.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { GateDeps } from '../use-cases/check-gate.js';
import type { Clock, FreezeEnforcement, Outbox } from '../use-cases/ports.js';
import type { NotesDeps } from '../use-cases/release-notes.js';

/** How long a gate check may wait for Jira: the answer comes within 10 s either way. */
const JIRA_BUDGET_MS = 8_000;

/**
 * The gate's part: the check pipelines ask (`POST /api/v1/gate/check`) and the release exports, both behind
 * the gate tokens.
 */
export function gateRoutes(
  config: Config,
  parts: {
    store: Store;
    clock: Clock;
    outbox: Outbox;
    jira: JiraGateway | undefined;
    enforcement: FreezeEnforcement | undefined;
    logger: Logger;
    metrics: Metrics;
    notesDeps: NotesDeps;
    /** Only the Lease holder decides; a standby answers 503. */
    isActive: () => boolean;
    fenced: <T>(work: () => T) => T;
  },
): Record<string, RouteHandler> {
  const gate: GateDeps = {
    store: parts.store,
    clock: parts.clock,
    outbox: parts.outbox,
    issues: parts.jira,
    logger: parts.logger,
    enforcement: parts.enforcement,
    settings: {
      fixTypes: config.gate.fixTypes,
      environments: config.gate.environments,
      failOpen: config.gate.failOpen,
      issueCacheSeconds: config.gate.issueCacheSeconds,
      versionNameTemplate: config.jira?.versionNameTemplate ?? '{version}',
      jiraBudgetMs: JIRA_BUDGET_MS,
    },
  };
  return {
    'POST /api/v1/gate/check': gateCheckHandler(gate, config.gate.tokens, {
      active: parts.isActive,
      fenced: parts.fenced,
      decided: (answer) => parts.metrics.gateDecided(answer.allowed, answer.repeated),
    }),
    [RELEASE_EXPORTS_ROUTE]: releaseExportsHandler(parts.notesDeps, config.gate.tokens),
  };
}
