// The PostgreSQL schema: the same tables, columns, nullability, indexes and unique constraints as the SQLite
// one (src/db/schema.ts), in PostgreSQL's types (timestamptz, jsonb, boolean, identity columns).
// test/unit/db/schema-parity.test.ts fails when one changes alone. Not used by the bot yet: the PostgreSQL
// store (issue 24) is being built on it. Migrations: migrations/postgres (drizzle-kit, drizzle.postgres.config.ts).
import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from '../../vendor/drizzle-pg.js';
import type { ReleaseState } from '../../domain/release.js';
import type { SignoffRole, VoteDecision } from '../../domain/signoff.js';
import type { ContainerImage, WorkloadKind } from '../../domain/candidate.js';

export const releases = pgTable(
  'releases',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    version: text('version').notNull(),
    versionKey: text('version_key').notNull().unique(),
    state: text('state').$type<ReleaseState>().notNull(),
    /** When the release freezes by itself (UTC); null when nobody scheduled it. */
    freezeAt: timestamp('freeze_at', { withTimezone: true, precision: 3 }),
    shipAt: timestamp('ship_at', { withTimezone: true, precision: 3 }),
    /** When the current freeze began; null while it has never been frozen. */
    frozenAt: timestamp('frozen_at', { withTimezone: true, precision: 3 }),
    /** Bumped when the frozen candidate changes; votes for an older revision go stale. */
    revision: integer('revision').notNull().default(1),
    /** The sign-off roles required, snapshotted when the release is frozen. */
    requiredRoles: jsonb('required_roles').$type<SignoffRole[]>(),
    announcementChannel: text('announcement_channel'),
    announcementTs: text('announcement_ts'),
    announcementPermalink: text('announcement_permalink'),
    /** Why Slack refused the announcement (not_in_channel …); cleared when one is posted. */
    announcementProblem: text('announcement_problem'),
    jiraSync: text('jira_sync').$type<'pending' | 'done' | 'failed'>(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  // `/release list` reads the newest 40 by this index, however many releases there were.
  (t) => [index('releases_created_idx').on(t.createdAt, t.id)],
);

export const auditEvents = pgTable(
  'audit_events',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    releaseId: integer('release_id').references(() => releases.id),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    fromState: text('from_state'),
    toState: text('to_state'),
    detail: text('detail'),
    commandText: text('command_text'),
    at: timestamp('at', { withTimezone: true, precision: 3 }).notNull(),
  },
  (t) => [index('audit_events_release_idx').on(t.releaseId, t.id)],
);

export const signoffRoles = pgTable('signoff_roles', {
  name: text('name').primaryKey(),
  members: jsonb('members').$type<string[]>().notNull(),
  quorum: integer('quorum').notNull().default(1),
  updatedBy: text('updated_by').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});

export const votes = pgTable(
  'votes',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    releaseId: integer('release_id')
      .notNull()
      .references(() => releases.id),
    revision: integer('revision').notNull(),
    voter: text('voter').notNull(),
    decision: text('decision').$type<VoteDecision>().notNull(),
    reason: text('reason'),
    roles: jsonb('roles').$type<string[]>().notNull(),
    at: timestamp('at', { withTimezone: true, precision: 3 }).notNull(),
  },
  (t) => [uniqueIndex('votes_one_per_voter_revision').on(t.releaseId, t.revision, t.voter)],
);

export const gateChecks = pgTable(
  'gate_checks',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    releaseId: integer('release_id').references(() => releases.id),
    service: text('service').notNull(),
    environment: text('environment').notNull(),
    issues: jsonb('issues').$type<string[]>().notNull(),
    commitSha: text('commit_sha'),
    pipelineUrl: text('pipeline_url'),
    allowed: boolean('allowed').notNull(),
    reason: text('reason').notNull(),
    at: timestamp('at', { withTimezone: true, precision: 3 }).notNull(),
    /** What makes a repeat the same question: the commit, or the sorted issue keys when no commit is given. */
    changeKey: text('change_key'),
  },
  (t) => [index('gate_checks_change_idx').on(t.releaseId, t.service, t.changeKey)],
);

export const freezeExceptions = pgTable(
  'freeze_exceptions',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    releaseId: integer('release_id')
      .notNull()
      .references(() => releases.id),
    issueKey: text('issue_key').notNull(),
    service: text('service').notNull(),
    reason: text('reason').notNull(),
    requestedBy: text('requested_by').notNull(),
    state: text('state').$type<'pending' | 'approved' | 'denied'>().notNull(),
    decidedBy: text('decided_by'),
    decidedAt: timestamp('decided_at', { withTimezone: true, precision: 3 }),
    messageChannel: text('message_channel'),
    messageTs: text('message_ts'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull(),
    /** Images the change deploys; admitted into the frozen candidate when the exception is approved. */
    images: jsonb('images').$type<string[]>(),
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

export const devenvs = pgTable(
  'devenvs',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    name: text('name').notNull().unique(),
    owner: text('owner').notNull(),
    overrides: jsonb('overrides').$type<StoredOverride[]>().notNull(),
    /** `applying` until the cluster has the routes; `live` after; `deleting` while routes come down. */
    state: text('state').$type<'applying' | 'live' | 'deleting'>().notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }).notNull(),
    warnedAt: timestamp('warned_at', { withTimezone: true, precision: 3 }),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull(),
  },
  (t) => [index('devenvs_owner_idx').on(t.owner)],
);

/**
 * Notices that must reach Slack (or Jira) after the state change that caused them. Written in the same
 * transaction as the change; a relay delivers them in order per stream, surviving crashes and outages.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    /** Notices of one stream (`release:12`, `user:U1`) are delivered strictly in id order. */
    stream: text('stream').notNull(),
    kind: text('kind').notNull(),
    payload: jsonb('payload').$type<unknown>().notNull(),
    /** A response_url to tell the asker if delivery fails for good. */
    replyTo: text('reply_to'),
    state: text('state').$type<'pending' | 'delivered' | 'failed'>().notNull(),
    /** Steps of the notice already carried out: a retry resumes after them and never repeats one. */
    stepsDone: integer('steps_done').notNull().default(0),
    /**
     * What a delivery decided once and must not decide again on a retry (the parts the notes were split
     * into), written in the transaction of the step that decided it.
     */
    memo: jsonb('memo').$type<unknown>(),
    attempts: integer('attempts').notNull().default(0),
    notBefore: timestamp('not_before', { withTimezone: true, precision: 3 }).notNull(),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull(),
    settledAt: timestamp('settled_at', { withTimezone: true, precision: 3 }),
    /**
     * Who is delivering the row right now (process identity and leadership epoch) and since when: a claim
     * younger than the call deadline keeps every other instance off the row.
     */
    claimedBy: text('claimed_by'),
    claimEpoch: integer('claim_epoch'),
    claimedAt: timestamp('claimed_at', { withTimezone: true, precision: 3 }),
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
export const scheduleRuns = pgTable(
  'schedule_runs',
  {
    key: text('key').primaryKey(),
    releaseId: integer('release_id')
      .notNull()
      .references(() => releases.id),
    kind: text('kind').notNull(),
    dueAt: timestamp('due_at', { withTimezone: true, precision: 3 }).notNull(),
    ranAt: timestamp('ran_at', { withTimezone: true, precision: 3 }).notNull(),
    /** What happened, in words (for `/release log` and on-call). */
    outcome: text('outcome').notNull(),
  },
  (t) => [index('schedule_runs_release_idx').on(t.releaseId, t.kind, t.ranAt)],
);

/**
 * The release candidate's bill of materials: each workload in the freeze namespaces and the images it runs,
 * per release and revision. Captured at freeze, carried to each new revision, updated as the cluster changes.
 */
export const candidateWorkloads = pgTable(
  'candidate_workloads',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    releaseId: integer('release_id')
      .notNull()
      .references(() => releases.id),
    revision: integer('revision').notNull(),
    namespace: text('namespace').notNull(),
    kind: text('kind').$type<WorkloadKind>().notNull(),
    name: text('name').notNull(),
    service: text('service').notNull(),
    containers: jsonb('containers').$type<ContainerImage[]>().notNull(),
    generation: integer('generation').notNull(),
  },
  (t) => [uniqueIndex('candidate_workloads_key').on(t.releaseId, t.revision, t.namespace, t.kind, t.name)],
);

/**
 * Images let into a frozen release: by the gate (a pipeline's `images`), by an approved exception, or by a
 * manager's `/release allow`. The admission policy's parameter lists them.
 */
export const admittedImages = pgTable(
  'admitted_images',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    releaseId: integer('release_id')
      .notNull()
      .references(() => releases.id),
    service: text('service').notNull(),
    image: text('image').notNull(),
    source: text('source').$type<'gate' | 'exception' | 'allow'>().notNull(),
    actor: text('actor').notNull(),
    reason: text('reason'),
    at: timestamp('at', { withTimezone: true, precision: 3 }).notNull(),
  },
  (t) => [uniqueIndex('admitted_images_key').on(t.releaseId, t.service, t.image)],
);

/**
 * The fencing token: the highest leadership epoch (the Lease's `leaseTransitions`) any holder has claimed.
 * Background writes carry the epoch they run under and are refused once a later holder raised it.
 */
export const leadership = pgTable('leadership', {
  id: integer('id').primaryKey(),
  epoch: integer('epoch').notNull(),
  holder: text('holder').notNull(),
  since: timestamp('since', { withTimezone: true, precision: 3 }).notNull(),
});

/**
 * This installation's id, made at first start: the label `release-bot.io/instance` on every object it
 * creates, so reconcile and orphan collection never touch another installation's objects.
 */
export const installation = pgTable('installation', {
  id: integer('id').primaryKey(),
  instanceId: text('instance_id').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull(),
});
