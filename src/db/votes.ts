import { and, asc, eq, sql } from '../vendor/drizzle.js';
import type { Vote, VoteDecision } from '../domain/signoff.js';
import { prepared, type Reader, type Tx, queryEither, type PostgresFormsOf } from './database.js';
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
  return queryEither(db, {
    sqlite: (db) => {
      return db
        .select({ ...VOTE_COLUMNS, at: votes.at })
        .from(votes)
        .where(eq(votes.releaseId, releaseId))
        .orderBy(asc(votes.id))
        .all();
    },
    postgres: (h) => h.forms.votes.listVotesWithTime(h.pg, releaseId),
  });
}

export function listVotes(db: Reader, releaseId: number): Promise<Vote[]> {
  return queryEither(db, {
    sqlite: (db) => {
      return prepared(db, 'listVotes', () =>
        db
          .select(VOTE_COLUMNS)
          .from(votes)
          .where(eq(votes.releaseId, sql.placeholder('releaseId')))
          .orderBy(asc(votes.revision), asc(votes.id))
          .prepare(),
      ).all({ releaseId });
    },
    postgres: (h) => h.forms.votes.listVotes(h.pg, releaseId),
  });
}

export function findVote(
  db: Reader,
  releaseId: number,
  revision: number,
  voter: string,
): Promise<Vote | undefined> {
  return queryEither(db, {
    sqlite: (db) => {
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
    },
    postgres: (h) => h.forms.votes.findVote(h.pg, releaseId, revision, voter),
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
  return queryEither(tx, {
    sqlite: (tx) => {
      tx.insert(votes)
        .values(vote)
        .onConflictDoUpdate({
          target: [votes.releaseId, votes.revision, votes.voter],
          set: { decision: vote.decision, reason: vote.reason, roles: vote.roles, at: vote.at },
        })
        .run();
    },
    postgres: (h) => h.forms.votes.upsertVote(h.pg, vote),
  });
}

export function deleteVote(tx: Tx, releaseId: number, revision: number, voter: string): Promise<boolean> {
  return queryEither(tx, {
    sqlite: (tx) => {
      return (
        tx
          .delete(votes)
          .where(and(eq(votes.releaseId, releaseId), eq(votes.revision, revision), eq(votes.voter, voter)))
          .run().changes > 0
      );
    },
    postgres: (h) => h.forms.votes.deleteVote(h.pg, releaseId, revision, voter),
  });
}

/** The PostgreSQL forms of the statements above (src/db/postgres/votes.ts). */
export type VotesForms = PostgresFormsOf<{
  listVotesWithTime: typeof listVotesWithTime;
  listVotes: typeof listVotes;
  findVote: typeof findVote;
  upsertVote: typeof upsertVote;
  deleteVote: typeof deleteVote;
}>;
