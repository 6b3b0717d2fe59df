import { sql } from '../vendor/drizzle.js';
import { index, integer, sqliteTable, text, uniqueIndex } from '../vendor/drizzle.js';
import type { ReleaseState } from '../domain/release.js';
import type { SignoffRole, VoteDecision } from '../domain/signoff.js';
import type { ContainerImage, WorkloadKind } from '../domain/candidate.js';

const now = sql`(unixepoch('subsec') * 1000)`;

export const releases = sqliteTable(
  'releases',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    version: text('version').notNull(),
    versionKey: text('version_key').notNull().unique(),
    state: text('state').$type<ReleaseState>().notNull(),
    /** When the release freezes by itself (UTC); null when nobody scheduled it. */
    freezeAt: integer('freeze_at', { mode: 'timestamp_ms' }),
    shipAt: integer('ship_at', { mode: 'timestamp_ms' }),
    /** When the current freeze began; null while it has never been frozen. */
    frozenAt: integer('frozen_at', { mode: 'timestamp_ms' }),
    /** Bumped when the frozen candidate changes; votes for an older revision go stale. */
    revision: integer('revision').notNull().default(1),
    /** The sign-off roles required, snapshotted when the release is frozen. */
    requiredRoles: text('required_roles', { mode: 'json' }).$type<SignoffRole[]>(),
    announcementChannel: text('announcement_channel'),
    announcementTs: text('announcement_ts'),
    announcementPermalink: text('announcement_permalink'),
    /** Why Slack refused the announcement (not_in_channel …); cleared when one is posted. */
    announcementProblem: text('announcement_problem'),
    jiraSync: text('jira_sync').$type<'pending' | 'done' | 'failed'>(),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull().default(now),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull().default(now),
  },
  // `/release list` reads the newest 40 by this index, however many releases there were.
  (t) => [index('releases_created_idx').on(t.createdAt, t.id)],
);

export const auditEvents = sqliteTable(
  'audit_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    releaseId: integer('release_id').references(() => releases.id),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    fromState: text('from_state'),
    toState: text('to_state'),
    detail: text('detail'),
    commandText: text('command_text'),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('audit_events_release_idx').on(t.releaseId, t.id)],
);

export const signoffRoles = sqliteTable('signoff_roles', {
  name: text('name').primaryKey(),
  members: text('members', { mode: 'json' }).$type<string[]>().notNull(),
  quorum: integer('quorum').notNull().default(1),
  updatedBy: text('updated_by').notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull().default(now),
});

export const votes = sqliteTable(
  'votes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    releaseId: integer('release_id')
      .notNull()
      .references(() => releases.id),
    revision: integer('revision').notNull(),
    voter: text('voter').notNull(),
    decision: text('decision').$type<VoteDecision>().notNull(),
    reason: text('reason'),
    roles: text('roles', { mode: 'json' }).$type<string[]>().notNull(),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('votes_one_per_voter_revision').on(t.releaseId, t.revision, t.voter)],
);

export const gateChecks = sqliteTable(
  'gate_checks',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    releaseId: integer('release_id').references(() => releases.id),
    service: text('service').notNull(),
    environment: text('environment').notNull(),
    issues: text('issues', { mode: 'json' }).$type<string[]>().notNull(),
    commitSha: text('commit_sha'),
    pipelineUrl: text('pipeline_url'),
    allowed: integer('allowed', { mode: 'boolean' }).notNull(),
    reason: text('reason').notNull(),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
    /** What makes a repeat the same question: the commit, or the sorted issue keys when no commit is given. */
    changeKey: text('change_key'),
  },
  (t) => [index('gate_checks_change_idx').on(t.releaseId, t.service, t.changeKey)],
);

export const freezeExceptions = sqliteTable(
  'freeze_exceptions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    releaseId: integer('release_id')
      .notNull()
      .references(() => releases.id),
    issueKey: text('issue_key').notNull(),
    service: text('service').notNull(),
    reason: text('reason').notNull(),
    requestedBy: text('requested_by').notNull(),
    state: text('state').$type<'pending' | 'approved' | 'denied'>().notNull(),
    decidedBy: text('decided_by'),
    decidedAt: integer('decided_at', { mode: 'timestamp_ms' }),
    messageChannel: text('message_channel'),
    messageTs: text('message_ts'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    /** Images the change deploys; admitted into the frozen candidate when the exception is approved. */
    images: text('images', { mode: 'json' }).$type<string[]>(),
  },
  (t) => [index('freeze_exceptions_lookup_idx').on(t.releaseId, t.issueKey, t.service)],
);

export interface StoredOverride {
  service: string;
  target:
    | { kind: 'devenv-namespace'; namespace: string; service: string }
    | { kind: 'cluster'; namespace: string; service: string }
    | { kind: 'external'; host: string; port: number };
}

export const devenvs = sqliteTable(
  'devenvs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull().unique(),
    owner: text('owner').notNull(),
    overrides: text('overrides', { mode: 'json' }).$type<StoredOverride[]>().notNull(),
    /** `applying` until the cluster has the routes; `live` after; `deleting` while routes come down. */
    state: text('state').$type<'applying' | 'live' | 'deleting'>().notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    warnedAt: integer('warned_at', { mode: 'timestamp_ms' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('devenvs_owner_idx').on(t.owner)],
);

/**
 * Notices that must reach Slack (or Jira) after the state change that caused them. Written in the same
 * transaction as the change; a relay delivers them in order per stream, surviving crashes and outages.
 */
export const outbox = sqliteTable(
  'outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** Notices of one stream (`release:12`, `user:U1`) are delivered strictly in id order. */
    stream: text('stream').notNull(),
    kind: text('kind').notNull(),
    payload: text('payload', { mode: 'json' }).$type<unknown>().notNull(),
    /** A response_url to tell the asker if delivery fails for good. */
    replyTo: text('reply_to'),
    state: text('state').$type<'pending' | 'delivered' | 'failed'>().notNull(),
    /** Steps of the notice already carried out: a retry resumes after them and never repeats one. */
    stepsDone: integer('steps_done').notNull().default(0),
    /**
     * What a delivery decided once and must not decide again on a retry (the parts the notes were split
     * into), written in the transaction of the step that decided it.
     */
    memo: text('memo', { mode: 'json' }).$type<unknown>(),
    attempts: integer('attempts').notNull().default(0),
    notBefore: integer('not_before', { mode: 'timestamp_ms' }).notNull(),
    lastError: text('last_error'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    settledAt: integer('settled_at', { mode: 'timestamp_ms' }),
    /**
     * Who is delivering the row right now (process identity and leadership epoch) and since when: a claim
     * younger than the call deadline keeps every other instance off the row.
     */
    claimedBy: text('claimed_by'),
    claimEpoch: integer('claim_epoch'),
    claimedAt: integer('claimed_at', { mode: 'timestamp_ms' }),
    /**
     * How many deliveries have started on the row. From the second on, the step it stopped at may have
     * reached Slack (a timeout, a crash), so that step looks for its message before posting it again.
     */
    claims: integer('claims').notNull().default(0),
  },
  (t) => [index('outbox_pending_idx').on(t.state, t.stream, t.id)],
);

/**
 * Scheduled actions that have run (a freeze at its time, a reminder round). The key is the action's
 * identity, so inserting it in the transaction that carries the action out makes each run exactly once.
 */
export const scheduleRuns = sqliteTable(
  'schedule_runs',
  {
    key: text('key').primaryKey(),
    releaseId: integer('release_id')
      .notNull()
      .references(() => releases.id),
    kind: text('kind').notNull(),
    dueAt: integer('due_at', { mode: 'timestamp_ms' }).notNull(),
    ranAt: integer('ran_at', { mode: 'timestamp_ms' }).notNull(),
    /** What happened, in words (for `/release log` and on-call). */
    outcome: text('outcome').notNull(),
  },
  (t) => [index('schedule_runs_release_idx').on(t.releaseId, t.kind, t.ranAt)],
);

/**
 * The release candidate's bill of materials: each workload in the freeze namespaces and the images it runs,
 * per release and revision. Captured at freeze, carried to each new revision, updated as the cluster changes.
 */
export const candidateWorkloads = sqliteTable(
  'candidate_workloads',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    releaseId: integer('release_id')
      .notNull()
      .references(() => releases.id),
    revision: integer('revision').notNull(),
    namespace: text('namespace').notNull(),
    kind: text('kind').$type<WorkloadKind>().notNull(),
    name: text('name').notNull(),
    service: text('service').notNull(),
    containers: text('containers', { mode: 'json' }).$type<ContainerImage[]>().notNull(),
    generation: integer('generation').notNull(),
  },
  (t) => [uniqueIndex('candidate_workloads_key').on(t.releaseId, t.revision, t.namespace, t.kind, t.name)],
);

/**
 * Images let into a frozen release: by the gate (a pipeline's `images`), by an approved exception, or by a
 * manager's `/release allow`. The admission policy's parameter lists them.
 */
export const admittedImages = sqliteTable(
  'admitted_images',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    releaseId: integer('release_id')
      .notNull()
      .references(() => releases.id),
    service: text('service').notNull(),
    image: text('image').notNull(),
    source: text('source').$type<'gate' | 'exception' | 'allow'>().notNull(),
    actor: text('actor').notNull(),
    reason: text('reason'),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('admitted_images_key').on(t.releaseId, t.service, t.image)],
);

/**
 * The fencing token: the highest leadership epoch (the Lease's `leaseTransitions`) any holder has claimed.
 * Background writes carry the epoch they run under and are refused once a later holder raised it.
 */
export const leadership = sqliteTable('leadership', {
  id: integer('id').primaryKey(),
  epoch: integer('epoch').notNull(),
  holder: text('holder').notNull(),
  since: integer('since', { mode: 'timestamp_ms' }).notNull(),
});

/**
 * This installation's id, made at first start: the label `release-bot.io/instance` on every object it
 * creates, so reconcile and orphan collection never touch another installation's objects.
 */
export const installation = sqliteTable('installation', {
  id: integer('id').primaryKey(),
  instanceId: text('instance_id').notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
});
