import type { Store, Tx } from '../db/database.js';
import type { ScheduleClock } from '../domain/calendar.js';
import type { CandidateWorkload, ImageChange } from '../domain/candidate.js';
import type { ConvergeReport } from '../domain/devenv/converge.js';
import type { Devenv } from '../domain/devenv/model.js';
import type { KubeObject } from '../domain/devenv/objects.js';
import type { GateIssue } from '../domain/gate.js';
import type { ReleaseScope } from '../domain/scope.js';
import type { Logger } from '../logger.js';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Who asked, and the words they used (kept in the audit trail). */
export interface Actor {
  userId: string;
  commandText?: string;
  /** Where to tell the asker later (a Slack response_url), if a follow-up fails for good. */
  replyTo?: string;
}

/** Resolves Slack user groups to their members. */
export interface GroupDirectory {
  membersOf(groupId: string): Promise<string[]>;
}

/** Who may do what: every check happens on the server, for commands and button presses alike. */
export interface Access {
  isReleaseManager(userId: string): Promise<boolean>;
  /** A manager by name (user or group), not merely because RELEASE_MANAGERS=* lets everyone manage. */
  isNamedReleaseManager(userId: string): Promise<boolean>;
  requireReleaseManager(userId: string, action: string): Promise<void>;
  isAmong(userId: string, principals: readonly string[]): Promise<boolean>;
}

/** A release as a notice names it: what it was when the notice was written. */
export interface ReleaseRef {
  id: number;
  version: string;
  revision: number;
}

export type VoteNotice = {
  decision: 'approve' | 'reject' | 'withdrawn';
  roles: string[];
  reason: string | null;
};

/**
 * Facts that people (or Jira) must hear of after a state change. Each is written to the outbox in the
 * transaction that made the change, and delivered by the relay. The names double as audit actions and as
 * the renderer names in the Slack adapter.
 */
export type Notice =
  | { kind: 'release_frozen'; release: ReleaseRef; actor: string; note: string | null }
  | {
      kind: 'release_rescheduled';
      release: ReleaseRef;
      actor: string;
      /** ISO instants of what changed; null for what stayed. */
      freezeAt: string | null;
      shipAt: string | null;
    }
  | { kind: 'scheduled_freeze_failed'; release: ReleaseRef; manager: string; dueAt: string; reason: string }
  | { kind: 'freeze_reminder'; release: ReleaseRef; freezeAt: string }
  | {
      kind: 'signoff_reminder';
      release: ReleaseRef;
      user: string;
      /** The roles still short of approvals that the user could approve for. */
      roles: string[];
      cause: 'scheduled' | 'ship' | 'manual';
      shipAt: string | null;
      /** When its round ran (ISO); a later round supersedes it. Absent in rows queued before 0007. */
      roundAt?: string;
    }
  | {
      kind: 'announcement_reposted';
      release: ReleaseRef;
      actor: string;
      /** The message it replaces, which is then marked as moved. */
      previous: { channel: string; ts: string } | null;
    }
  | { kind: 'release_unfrozen'; release: ReleaseRef; actor: string; reason: string | null }
  | { kind: 'release_cancelled'; release: ReleaseRef; actor: string; reason: string }
  | { kind: 'vote_recorded'; release: ReleaseRef; actor: string; vote: VoteNotice }
  | { kind: 'release_signed_off'; release: ReleaseRef }
  | { kind: 'release_sign_off_revoked'; release: ReleaseRef; actor: string }
  | { kind: 'release_shipped'; release: ReleaseRef; actor: string; trackerSync: boolean }
  | { kind: 'revision_bumped'; release: ReleaseRef; cause: string; staleVoters: string[] }
  | { kind: 'tracker_sync_requested'; release: ReleaseRef; actor: string }
  | { kind: 'tracker_synced'; release: ReleaseRef; actor: string; problem: string | null }
  | { kind: 'exception_requested'; release: ReleaseRef; exceptionId: number }
  | { kind: 'exception_decided'; release: ReleaseRef; exceptionId: number }
  | {
      kind: 'candidate_drifted';
      release: ReleaseRef;
      service: string;
      workload: string;
      changes: ImageChange[];
      /** Who changed it, from managedFields (`kubectl`, `helm`…); null when the cluster does not say. */
      manager: string | null;
    }
  | { kind: 'devenv_expiring'; owner: string; env: string; expiresAt: string }
  | { kind: 'devenv_expired'; owner: string; env: string; services: string[] }
  | { kind: 'devenv_creation_interrupted'; owner: string; env: string }
  /** An outside target started resolving where pre-prod traffic must not go: the environment was removed. */
  | { kind: 'devenv_unsafe_target'; owner: string; env: string; host: string; reason: string };

export type NoticeKind = Notice['kind'];

/** A and AAAA records of a host name (an IP literal answers itself); [] when it has none. */
export interface HostResolver {
  addresses(host: string): Promise<string[]>;
}

/** The durable path from a state change to the people who must hear of it. */
export interface Outbox {
  /** Records the notice inside the caller's transaction: it goes out if, and only if, that commits. */
  enqueue(tx: Tx, notice: Notice, options?: { replyTo?: string }): Promise<void>;
  /** Notices that wait for a time (reminders outside working hours) are judged again now. */
  resumeDeferred(): Promise<number>;
}

export interface ReleaseTracker {
  /**
   * Marks every mirrored version released as of `at` (and sets its description, when given); resolves to
   * a problem in words, or undefined.
   */
  markReleased(version: string, at: Date, description?: string): Promise<string | undefined>;
}

/** The issue facts the freeze gate needs, from the tracker. */
export interface IssueLookup {
  /**
   * Type and fix versions of the given issues (unknown keys are absent). Stops at `deadline`: it then
   * rejects instead of retrying on in the background.
   */
  issues(
    keys: readonly string[],
    options: { cacheSeconds: number; deadline: number },
  ): Promise<Map<string, GateIssue>>;
}

/** Where a release's tickets come from (Jira). */
export interface ScopeSource {
  readonly baseUrl: string;
  /** Every ticket (for listing them all). */
  scope(version: string): Promise<ReleaseScope>;
  /** Counts and the not-done tickets, in a handful of requests (for status and announcements). */
  scopeSummary(version: string): Promise<ReleaseScope>;
}

/** A workload as the cluster shows it now, and who last changed its pod template. */
export interface ObservedWorkload extends CandidateWorkload {
  manager: string | undefined;
}

/** The release candidate as pre-prod runs it (FREEZE_NAMESPACES). */
export interface CandidateSource {
  /** Every Deployment, StatefulSet and DaemonSet in the freeze namespaces. */
  readWorkloads(): Promise<ObservedWorkload[]>;
}

/**
 * The freeze as the API server enforces it (FREEZE_ENFORCEMENT): the admission parameter converged to the
 * database. Resolves once admission sees it, or rejects with the reason.
 */
export interface FreezeEnforcement {
  converge(): Promise<void>;
}

/** What the release use cases need; the composition root provides it. */
export interface LifecycleDeps {
  store: Store;
  clock: Clock;
  access: Access;
  outbox: Outbox;
  /** The issue tracker the release is mirrored in (Jira); absent when none is connected. */
  tracker?: ReleaseTracker;
  /** How typed dates are read (RELEASE_TIMEZONE, RELEASE_FREEZE_TIME). */
  calendar: ScheduleClock;
  /** The cluster's workloads, when FREEZE_NAMESPACES is set: the candidate is read at each freeze. */
  candidate?: CandidateSource;
  /** Told after every change of what is frozen (FREEZE_ENFORCEMENT is not off). */
  enforcement?: FreezeEnforcement;
  logger: Logger;
}

export function releaseRef(release: { id: number; version: string; revision: number }): ReleaseRef {
  return { id: release.id, version: release.version, revision: release.revision };
}

/** Which part of the desired state a pass may touch; absent fields mean everything. */
export interface ConvergeScope {
  services?: ReadonlySet<string>;
  envs?: ReadonlySet<string>;
}

/** An object as the cluster holds it (fields we do not model are kept, for read-modify-write). */
export interface ObservedObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string> | undefined;
    resourceVersion?: string | undefined;
    [field: string]: unknown;
  };
  spec: Record<string, unknown>;
  [field: string]: unknown;
}

/** A mesh provider: renders environments to objects and converges the cluster to them. */
export interface RouteApplier {
  render(envs: readonly Devenv[]): KubeObject[];
  converge(envs: readonly Devenv[], scope?: ConvergeScope): Promise<ConvergeReport>;
  observedFor(env: string): Promise<ObservedObject[]>;
}
