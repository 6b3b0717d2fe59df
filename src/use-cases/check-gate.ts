import type { Db } from '../db/database.js';
import { approvedExceptionKeys, insertGateCheck } from '../db/gate.js';
import { appendAudit, listReleases, type ReleaseRow } from '../db/releases.js';
import { decideGate, type GateDecision, type GateInput, type GateIssue } from '../domain/gate.js';
import { jiraVersionName } from '../domain/scope.js';
import type { JiraGateway } from '../jira/jira-gateway.js';
import type { Logger } from '../logger.js';
import type { Clock, ReleaseAnnouncer } from './ports.js';
import { bumpCandidateRevision } from './signoff.js';

export interface GateSettings {
  fixTypes: string[];
  environments: string[];
  failOpen: boolean;
  issueCacheSeconds: number;
  versionNameTemplate: string;
  /** The gate answers within 10 s; Jira gets what is left of that. */
  jiraBudgetMs: number;
}

export interface GateDeps {
  db: Db;
  clock: Clock;
  announcer: ReleaseAnnouncer;
  jira: JiraGateway | undefined;
  settings: GateSettings;
  logger: Logger;
}

export interface GateRequest extends GateInput {
  commit?: string;
  pipelineUrl?: string;
}

async function lookUpIssues(
  deps: GateDeps,
  keys: string[],
): Promise<ReadonlyMap<string, GateIssue> | undefined> {
  if (keys.length === 0) return new Map();
  if (!deps.jira) return undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const deadline = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), deps.settings.jiraBudgetMs);
    });
    return await Promise.race([deps.jira.issues(keys, deps.settings.issueCacheSeconds), deadline]);
  } catch (error) {
    deps.logger.warn({ err: error, keys }, 'gate could not look up issues in Jira');
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

function decideFor(
  deps: GateDeps,
  input: GateRequest,
  frozen: ReleaseRow | undefined,
  lookup: ReadonlyMap<string, GateIssue> | undefined,
): GateDecision {
  return decideGate(input, {
    gatedEnvironments: deps.settings.environments,
    frozen: frozen
      ? {
          version: frozen.version,
          fixVersionName: jiraVersionName(deps.settings.versionNameTemplate, frozen.version),
        }
      : undefined,
    fixTypes: deps.settings.fixTypes,
    exceptions: frozen ? approvedExceptionKeys(deps.db, frozen.id, input.service) : new Set(),
    lookup,
    failOpen: deps.settings.failOpen,
  });
}

/**
 * The freeze rule for a pipeline: decide, record the decision (and an audit entry on the frozen release),
 * and when a change is let into a frozen candidate, bump its revision so earlier sign-offs go stale.
 */
export async function checkGate(deps: GateDeps, input: GateRequest): Promise<GateDecision> {
  const frozenReleases = listReleases(deps.db, ['frozen', 'signed_off']).reverse();
  const gated = deps.settings.environments.includes(input.environment);
  const lookup =
    gated && frozenReleases.length > 0
      ? await lookUpIssues(deps, input.issues)
      : new Map<string, GateIssue>();

  // With several frozen releases, a change passes if it is a fix for one of them.
  const decisions =
    frozenReleases.length > 0
      ? frozenReleases.map((r) => ({ release: r, decision: decideFor(deps, input, r, lookup) }))
      : [{ release: undefined, decision: decideFor(deps, input, undefined, lookup) }];
  const chosen = decisions.find((d) => d.decision.allowed) ?? decisions[0]!;
  const { decision, release } = chosen;
  if (decision.checkedIssues.some((c) => c.verdict === 'unverified')) {
    deps.logger.warn(
      {
        service: input.service,
        issues: input.issues,
        allowed: decision.allowed,
        failOpen: deps.settings.failOpen,
      },
      'gate decided without Jira',
    );
  }

  const at = deps.clock.now();
  deps.db.transaction((tx) => {
    insertGateCheck(tx, {
      releaseId: release?.id ?? null,
      service: input.service,
      environment: input.environment,
      issues: input.issues,
      commitSha: input.commit ?? null,
      pipelineUrl: input.pipelineUrl ?? null,
      allowed: decision.allowed,
      reason: decision.reason,
      at,
    });
    if (release && gated) {
      appendAudit(tx, {
        releaseId: release.id,
        actor: 'gate',
        action: decision.allowed ? 'gate_allowed' : 'gate_refused',
        detail:
          `${input.service} ${input.environment} [${input.issues.join(', ')}] ${input.commit ?? ''} ${input.pipelineUrl ?? ''}: ${decision.reason}`.replace(
            /\s+/g,
            ' ',
          ),
        at,
      });
    }
  });

  if (decision.allowed && release && gated) {
    const cause = `${input.service} took ${input.issues.join(', ') || 'a change'}${input.commit ? ` (${input.commit.slice(0, 12)})` : ''} through the gate`;
    await bumpCandidateRevision(deps, { userId: 'gate' }, { releaseId: release.id, cause });
  }
  return decision;
}
