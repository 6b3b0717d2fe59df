// The votes' statements on PostgreSQL (the SQLite forms are in src/db/votes.ts).
import { and, asc, eq } from '../../vendor/drizzle.js';
import type { VotesForms } from '../votes.js';
import { votes } from './schema.js';

const VOTE_COLUMNS = {
  voter: votes.voter,
  decision: votes.decision,
  reason: votes.reason,
  revision: votes.revision,
  roles: votes.roles,
};

export const votesForms: VotesForms = {
  async listVotesWithTime(db, releaseId) {
    return await db
      .select({ ...VOTE_COLUMNS, at: votes.at })
      .from(votes)
      .where(eq(votes.releaseId, releaseId))
      .orderBy(asc(votes.id));
  },

  async listVotes(db, releaseId) {
    return await db
      .select(VOTE_COLUMNS)
      .from(votes)
      .where(eq(votes.releaseId, releaseId))
      .orderBy(asc(votes.revision), asc(votes.id));
  },

  async findVote(db, releaseId, revision, voter) {
    const [vote] = await db
      .select(VOTE_COLUMNS)
      .from(votes)
      .where(and(eq(votes.releaseId, releaseId), eq(votes.revision, revision), eq(votes.voter, voter)));
    return vote;
  },

  /** The unique index on (release, revision, voter) keeps one vote per voter, as on SQLite. */
  async upsertVote(db, vote) {
    await db
      .insert(votes)
      .values(vote)
      .onConflictDoUpdate({
        target: [votes.releaseId, votes.revision, votes.voter],
        set: { decision: vote.decision, reason: vote.reason, roles: vote.roles, at: vote.at },
      });
  },

  async deleteVote(db, releaseId, revision, voter) {
    const removed = await db
      .delete(votes)
      .where(and(eq(votes.releaseId, releaseId), eq(votes.revision, revision), eq(votes.voter, voter)))
      .returning({ id: votes.id });
    return removed.length > 0;
  },
};
