import { candidateRevisions, listAdmittedImages, listCandidate } from '../db/candidate.js';
import { listAllowedGateChecks, listExceptions } from '../db/gate.js';
import { diffCandidates } from '../domain/candidate.js';
import { previousShipped } from './candidate.js';
import { listAuditAfter, type AuditRow, type ReleaseRow } from '../db/releases.js';
import { listVotesWithTime } from '../db/votes.js';
import { describeState } from '../domain/release.js';
import {
  groupTickets,
  type LateChange,
  type ReleaseNotes,
  type SignoffRecord,
  type WhatShipped,
} from '../domain/release-notes.js';
import type { Logger } from '../logger.js';
import type { Reader, Store } from '../db/database.js';
import type { ScopeSource } from './ports.js';
import { loadScopeView } from './release-scope.js';
import { requireRelease } from './release-lookup.js';

/**
 * Everything that reached the frozen candidate: changes the gate let through in the gated environments,
 * and every freeze exception asked for, in the order they happened.
 */
export async function lateChangesOf(
  db: Reader,
  release: ReleaseRow,
  gatedEnvironments: readonly string[],
): Promise<LateChange[]> {
  const gate: LateChange[] = (await listAllowedGateChecks(db, release.id, gatedEnvironments)).map((c) => ({
    kind: 'gate',
    service: c.service,
    issues: c.issues,
    commit: c.commitSha,
    pipelineUrl: c.pipelineUrl,
    at: c.at,
  }));
  const exceptions: LateChange[] = (await listExceptions(db, release.id)).map((e) => ({
    kind: 'exception',
    id: e.id,
    service: e.service,
    issueKey: e.issueKey,
    reason: e.reason,
    state: e.state,
    requestedBy: e.requestedBy,
    decidedBy: e.decidedBy,
    at: e.createdAt,
  }));
  const allowed: LateChange[] = (await listAdmittedImages(db, [release.id]))
    .filter((a) => a.source === 'allow')
    .map((a) => ({
      kind: 'allowed',
      service: a.service,
      image: a.image,
      reason: a.reason,
      actor: a.actor,
      at: a.at,
    }));
  return [...gate, ...exceptions, ...allowed].sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** Every vote still on record (withdrawn ones are gone), oldest first. */
export async function signoffsOf(db: Reader, release: ReleaseRow): Promise<SignoffRecord[]> {
  return (await listVotesWithTime(db, release.id)).map((v) => ({
    voter: v.voter,
    roles: v.roles,
    decision: v.decision,
    reason: v.reason,
    revision: v.revision,
    at: v.at,
  }));
}

export interface NotesDeps {
  store: Store;
  jira: ScopeSource | undefined;
  logger: Logger;
  gatedEnvironments: readonly string[];
}

/** The release notes: tickets from the Jira scope by type, late changes and sign-offs. */
export async function releaseNotes(deps: NotesDeps, input: { version: string }): Promise<ReleaseNotes> {
  const release = await requireRelease(deps.store, input.version);
  return notesFor(deps, release);
}

export async function notesFor(deps: NotesDeps, release: ReleaseRow): Promise<ReleaseNotes> {
  const view = await loadScopeView(deps.jira, release.version, deps.logger, 'every ticket');
  const baseUrl = deps.jira?.baseUrl ?? '';
  return {
    version: release.version,
    state: describeState(release.state),
    tickets: view.kind === 'loaded' ? groupTickets(view.scope.issues) : undefined,
    ticketsProblem:
      view.kind === 'failed'
        ? view.problem
        : view.kind === 'not_connected'
          ? 'Jira is not connected'
          : undefined,
    ticketUrl: (key) => `${baseUrl}/browse/${encodeURIComponent(key)}`,
    lateChanges: await lateChangesOf(deps.store, release, deps.gatedEnvironments),
    signoffs: await signoffsOf(deps.store, release),
    whatShipped: await whatShippedOf(deps.store, release),
  };
}

/** The candidate's last revision, and its difference from the release shipped before it. */
export async function whatShippedOf(db: Reader, release: ReleaseRow): Promise<WhatShipped | undefined> {
  const revision = (await candidateRevisions(db, release.id)).at(-1);
  if (revision === undefined) return undefined;
  const workloads = await listCandidate(db, release.id, revision);
  const previous = await previousShipped(db, release);
  const previousRevision = previous ? (await candidateRevisions(db, previous.id)).at(-1) : undefined;
  return {
    revision,
    workloads,
    since:
      previous && previousRevision !== undefined
        ? {
            version: previous.version,
            diff: diffCandidates(await listCandidate(db, previous.id, previousRevision), workloads),
          }
        : undefined,
  };
}

/**
 * Every audit row of a release, oldest first, for auditors: in batches read by key, so an export of a
 * million rows never holds them all (nor the database) at once.
 */
export async function auditTrail(
  db: Reader,
  input: { version: string },
  batchSize = 1_000,
): Promise<{ release: ReleaseRow; batches: () => AsyncGenerator<AuditRow[]> }> {
  const release = await requireRelease(db, input.version);
  async function* batches(): AsyncGenerator<AuditRow[]> {
    let after = 0;
    for (;;) {
      const rows = await listAuditAfter(db, release.id, after, batchSize);
      if (rows.length > 0) yield rows;
      if (rows.length < batchSize) return;
      after = rows.at(-1)!.id;
    }
  }
  return { release, batches };
}
