import type { Store, Tx } from '../db/database.js';
import { approvedExceptionKeys, findGateCheck, insertGateCheck } from '../db/gate.js';
import { appendAudit, listReleases, type ReleaseRow } from '../db/releases.js';
import {
  decideGate,
  gateChangeKey,
  type GateDecision,
  type GateInput,
  type GateIssue,
} from '../domain/gate.js';
import { jiraVersionName } from '../domain/scope.js';
import type { Logger } from '../logger.js';
import { withinBudget } from '../support/deadline.js';
import type { Clock, FreezeEnforcement, IssueLookup, Outbox } from './ports.js';
import { admitImages } from '../db/candidate.js';
import { AppError } from '../domain/errors.js';
import { bumpCandidateRevisionIn } from './signoff.js';

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
  store: Store;
  clock: Clock;
  outbox: Outbox;
  issues: IssueLookup | undefined;
  settings: GateSettings;
  logger: Logger;
  /** FREEZE_ENFORCEMENT: admitted images reach the admission parameter before the answer. */
  enforcement?: FreezeEnforcement;
}

export interface GateRequest extends GateInput {
  commit?: string;
  pipelineUrl?: string;
  /** Image references the change deploys; admitted for the service when the change is allowed. */
  images?: string[];
}

export interface GateAnswer extends GateDecision {
  /** True when this exact change was asked about before: the answer is the same and nothing changed. */
  repeated: boolean;
  /** The frozen candidate's revision after the decision. */
  revision: number | null;
}

async function lookUpIssues(
  deps: GateDeps,
  keys: string[],
): Promise<ReadonlyMap<string, GateIssue> | undefined> {
  if (keys.length === 0) return new Map();
  if (!deps.issues) return undefined;
  const deadline = Date.now() + deps.settings.jiraBudgetMs;
  try {
    // A request already on the wire may outlive the budget; the answer does not wait for it.
    const found = await withinBudget(
      deps.issues.issues(keys, { cacheSeconds: deps.settings.issueCacheSeconds, deadline }),
      deps.settings.jiraBudgetMs,
    );
    if (!found) deps.logger.warn({ keys }, 'gate ran out of time looking up issues in Jira');
    return found;
  } catch (error) {
    deps.logger.warn({ err: error, keys }, 'gate could not look up issues in Jira');
    return undefined;
  }
}

async function decideFor(
  tx: Tx,
  deps: GateDeps,
  input: GateRequest,
  frozen: ReleaseRow | undefined,
  lookup: ReadonlyMap<string, GateIssue> | undefined,
): Promise<GateDecision> {
  return decideGate(input, {
    gatedEnvironments: deps.settings.environments,
    frozen: frozen
      ? {
          version: frozen.version,
          fixVersionName: jiraVersionName(deps.settings.versionNameTemplate, frozen.version),
        }
      : undefined,
    fixTypes: deps.settings.fixTypes,
    exceptions: frozen ? await approvedExceptionKeys(tx, frozen.id, input.service) : new Set(),
    lookup,
    failOpen: deps.settings.failOpen,
  });
}

/** With several frozen releases, a change passes if it is a fix for one of them. */
async function chooseDecision(
  tx: Tx,
  deps: GateDeps,
  input: GateRequest,
  lookup: ReadonlyMap<string, GateIssue> | undefined,
): Promise<{ decision: GateDecision; release: ReleaseRow | undefined }> {
  const frozenReleases = (await listReleases(tx, ['frozen', 'signed_off'])).reverse();
  if (frozenReleases.length === 0) {
    return { release: undefined, decision: await decideFor(tx, deps, input, undefined, lookup) };
  }
  const decisions: { decision: GateDecision; release: ReleaseRow }[] = [];
  for (const release of frozenReleases) {
    decisions.push({ release, decision: await decideFor(tx, deps, input, release, lookup) });
  }
  return decisions.find((d) => d.decision.allowed) ?? decisions[0]!;
}

function auditDetail(input: GateRequest, decision: GateDecision): string {
  return `${input.service} ${input.environment} [${input.issues.join(', ')}] ${input.commit ?? ''} ${input.pipelineUrl ?? ''}: ${decision.reason}`.replace(
    /\s+/g,
    ' ',
  );
}

/** Records a first answer about a change; a change let into a frozen candidate raises its revision. */
async function recordDecision(
  tx: Tx,
  deps: GateDeps,
  input: GateRequest,
  chosen: { decision: GateDecision; release: ReleaseRow | undefined },
  at: Date,
): Promise<number | null> {
  const { decision, release } = chosen;
  await insertGateCheck(tx, {
    releaseId: release?.id ?? null,
    service: input.service,
    environment: input.environment,
    issues: input.issues,
    commitSha: input.commit ?? null,
    pipelineUrl: input.pipelineUrl ?? null,
    allowed: decision.allowed,
    reason: decision.reason,
    changeKey: gateChangeKey(input),
    at,
  });
  if (!release || !deps.settings.environments.includes(input.environment)) return release?.revision ?? null;
  await appendAudit(tx, {
    releaseId: release.id,
    actor: 'gate',
    action: decision.allowed ? 'gate_allowed' : 'gate_refused',
    detail: auditDetail(input, decision),
    at,
  });
  if (!decision.allowed) return release.revision;
  const cause = `${input.service} took ${input.issues.join(', ') || 'a change'}${input.commit ? ` (${input.commit.slice(0, 12)})` : ''} through the gate`;
  return (await bumpCandidateRevisionIn(tx, deps.outbox, release, { actor: 'gate', cause, at })).revision;
}

/**
 * The freeze rule for a pipeline. Jira is asked first (bounded by the budget); then the decision, its
 * record, the audit entry and any revision bump happen in one transaction that re-reads the releases, so
 * a release that shipped or thawed meanwhile is decided as it is now. Slack hears of it through the
 * outbox: the answer never waits for Slack. Asking again about the same change changes nothing.
 */
export async function checkGate(deps: GateDeps, input: GateRequest): Promise<GateAnswer> {
  const gated = deps.settings.environments.includes(input.environment);
  const anyFrozen = gated && (await listReleases(deps.store, ['frozen', 'signed_off'])).length > 0;
  const lookup = anyFrozen ? await lookUpIssues(deps, input.issues) : undefined;
  const at = deps.clock.now();

  // The same change asked twice at once is answered in turn: the second finds the first's record.
  const answer = await deps.store.transaction(
    async (tx): Promise<GateAnswer> => {
      const chosen = await chooseDecision(tx, deps, input, lookup);
      const { decision, release } = chosen;
      const repeated =
        release !== undefined &&
        gated &&
        (await findGateCheck(tx, {
          releaseId: release.id,
          service: input.service,
          changeKey: gateChangeKey(input),
          allowed: decision.allowed,
        })) !== undefined;
      if (release && gated && decision.allowed && input.images?.length) {
        await admitImages(tx, {
          releaseId: release.id,
          service: input.service,
          images: input.images,
          source: 'gate',
          actor: 'gate',
          reason: input.issues.join(', ') || null,
          at,
        });
      }
      if (repeated) return { ...decision, repeated, revision: release.revision };
      return { ...decision, repeated, revision: await recordDecision(tx, deps, input, chosen, at) };
    },
    { inTurnOn: `gate:${input.service}:${gateChangeKey(input)}` },
  );

  if (answer.allowed && answer.release && input.images?.length && deps.enforcement) {
    // A pipeline deploys right after a 200: the API server must already let those images in. The
    // decision is recorded; a retry of the same check finds it and tries this write again.
    try {
      await deps.enforcement.converge();
    } catch (error) {
      throw new AppError(
        'unavailable',
        `The change is allowed, but the cluster's freeze could not admit its images yet: ${(error as Error).message} Retry the same check.`,
        { cause: error },
      );
    }
  }

  if (answer.checkedIssues.some((c) => c.verdict === 'unverified')) {
    deps.logger.warn(
      {
        service: input.service,
        issues: input.issues,
        allowed: answer.allowed,
        failOpen: deps.settings.failOpen,
      },
      'gate decided without Jira',
    );
  }
  return answer;
}
