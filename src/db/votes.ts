import { and, asc, eq, sql } from '../vendor/drizzle.js';
import type { Vote, VoteDecision } from '../domain/signoff.js';
import { prepared, query, type Reader, type Tx } from './database.js';
import { votes } from './schema.js';

const VOTE_COLUMNS = {
  voter: votes.voter,
  decision: votes.decision,
  reason: votes.reason,
  revision: votes.revision,
  roles: votes.roles,
};

/** Votes with their time, for the release notes. */
export function listVotesWithTime(db: Reader, releaseId: number): Promise<(Vote & { at: Date })[]> {
  return query(db, (db) => {
    return db
      .select({ ...VOTE_COLUMNS, at: votes.at })
      .from(votes)
      .where(eq(votes.releaseId, releaseId))
      .orderBy(asc(votes.id))
      .all();
  });
}

export function listVotes(db: Reader, releaseId: number): Promise<Vote[]> {
  return query(db, (db) => {
    return prepared(db, 'listVotes', () =>
      db
        .select(VOTE_COLUMNS)
        .from(votes)
        .where(eq(votes.releaseId, sql.placeholder('releaseId')))
        .orderBy(asc(votes.revision), asc(votes.id))
        .prepare(),
    ).all({ releaseId });
  });
}

export function findVote(
  db: Reader,
  releaseId: number,
  revision: number,
  voter: string,
): Promise<Vote | undefined> {
  return query(db, (db) => {
    return prepared(db, 'findVote', () =>
      db
        .select(VOTE_COLUMNS)
        .from(votes)
        .where(
          and(
            eq(votes.releaseId, sql.placeholder('releaseId')),
            eq(votes.revision, sql.placeholder('revision')),
            eq(votes.voter, sql.placeholder('voter')),
          ),
        )
        .prepare(),
    ).get({ releaseId, revision, voter });
  });
}

/**
 * One current vote per voter and revision, enforced by the unique index: a repeat of the same vote
 * changes nothing, a different one replaces it.
 */
export function upsertVote(
  tx: Tx,
  vote: {
    releaseId: number;
    revision: number;
    voter: string;
    decision: VoteDecision;
    reason: string | null;
    roles: string[];
    at: Date;
  },
): Promise<void> {
  return query(tx, (tx) => {
    tx.insert(votes)
      .values(vote)
      .onConflictDoUpdate({
        target: [votes.releaseId, votes.revision, votes.voter],
        set: { decision: vote.decision, reason: vote.reason, roles: vote.roles, at: vote.at },
      })
      .run();
  });
}

export function deleteVote(tx: Tx, releaseId: number, revision: number, voter: string): Promise<boolean> {
  return query(tx, (tx) => {
    return (
      tx
        .delete(votes)
        .where(and(eq(votes.releaseId, releaseId), eq(votes.revision, revision), eq(votes.voter, voter)))
        .run().changes > 0
    );
  });
}
