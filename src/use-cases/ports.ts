import type { ReleaseRow } from '../db/releases.js';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Who asked, and the words they used (kept in the audit trail). */
export interface Actor {
  userId: string;
  commandText?: string;
}

/** Resolves Slack user groups to their members. */
export interface GroupDirectory {
  membersOf(groupId: string): Promise<string[]>;
}

/**
 * Facts about a release that people must hear of. The names double as audit actions and as the
 * renderer names in the Slack adapter.
 */
export type ReleaseEvent =
  | { kind: 'release_frozen'; release: ReleaseRow; actor: string; note: string | undefined }
  | { kind: 'release_unfrozen'; release: ReleaseRow; actor: string; reason: string | undefined }
  | { kind: 'release_cancelled'; release: ReleaseRow; actor: string; reason: string }
  | {
      kind: 'vote_recorded';
      release: ReleaseRow;
      actor: string;
      vote: { decision: 'approve' | 'reject' | 'withdrawn'; roles: string[]; reason: string | null };
    }
  | { kind: 'release_signed_off'; release: ReleaseRow }
  | { kind: 'release_sign_off_revoked'; release: ReleaseRow; actor: string }
  | { kind: 'release_shipped'; release: ReleaseRow; actor: string; jiraProblem: string | undefined }
  | { kind: 'revision_bumped'; release: ReleaseRow; cause: string; staleVoters: string[] }
  | { kind: 'jira_synced'; release: ReleaseRow; actor: string; problem: string | undefined };

export interface ReleaseAnnouncer {
  /** Never throws: a failed Slack call is logged, the state change it reports has already happened. */
  announce(event: ReleaseEvent): Promise<void>;
}

export interface ReleaseTracker {
  /** Marks every mirrored version released as of `at`; resolves to a problem in words, or undefined. */
  markReleased(version: string, at: Date): Promise<string | undefined>;
}
