import { sql, type SQL } from '../vendor/drizzle.js';
import { query, type Reader } from './database.js';

/** What the playground's tour reads from the database: whether each step has happened at least once. */
export interface TourFacts {
  frozen: boolean;
  approvedAsQa: boolean;
  rejectedAsProductWithReason: boolean;
  gateRefused: boolean;
  exceptionApproved: boolean;
  reminded: boolean;
  shipped: boolean;
}

export function tourFacts(db: Reader): Promise<TourFacts> {
  return query(db, (db) => {
    const exists = (query: SQL) => db.get<{ yes: number }>(sql`select exists(${query}) as yes`)?.yes === 1;
    return {
      frozen: exists(sql`select 1 from releases where frozen_at is not null`),
      // From the audit trail, not the votes: a vote withdrawn afterwards still happened.
      approvedAsQa: exists(
        sql`select 1 from audit_events where action = 'vote_approved' and detail like '%, roles %qa%'`,
      ),
      rejectedAsProductWithReason: exists(
        sql`select 1 from audit_events where action = 'vote_rejected' and detail like '%, roles %product%: _%'`,
      ),
      gateRefused: exists(sql`select 1 from gate_checks where allowed = 0`),
      exceptionApproved: exists(sql`select 1 from freeze_exceptions where state = 'approved'`),
      reminded: exists(sql`select 1 from schedule_runs where kind in ('signoff_reminder', 'ship_reminder')`),
      shipped: exists(sql`select 1 from releases where state = 'released'`),
    };
  });
}

/** Tables a fresh playground session starts without: all but who this installation is and who leads. */
const KEPT = new Set(['installation', 'leadership', '__drizzle_migrations']);

/**
 * Empties every table of the session's data in one transaction (the playground's reset): releases, votes,
 * the gate's records, the outbox, the calendar's runs. Foreign keys are checked at the commit, when nothing
 * is left to point anywhere.
 */
export function wipeSessionData(db: Reader): Promise<void> {
  return query(db, (db) => {
    const tables = db
      .all<{ name: string }>(
        sql`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`,
      )
      .map((t) => t.name)
      .filter((name) => !KEPT.has(name));
    db.transaction((tx) => {
      tx.run(sql`pragma defer_foreign_keys = on`);
      for (const name of tables) tx.run(sql`delete from ${sql.identifier(name)}`);
    });
  });
}
