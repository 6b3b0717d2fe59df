// The leadership fence on PostgreSQL (the SQLite form, and why, are in src/db/fencing.ts).
import { eq, sql } from '../../vendor/drizzle.js';
import type { FencingForms } from '../fencing.js';
import { leadership } from './schema.js';

export const fencingForms: FencingForms = {
  /** FOR UPDATE: the raise waits for the fenced units in flight, which read the row FOR SHARE. */
  async raiseFence(db, epoch, holder, at) {
    const [current] = await db
      .select({ epoch: leadership.epoch })
      .from(leadership)
      .where(eq(leadership.id, 1))
      .for('update');
    if (current !== undefined && current.epoch > epoch) return false;
    await db
      .insert(leadership)
      .values({ id: 1, epoch, holder, since: at })
      .onConflictDoUpdate({
        target: leadership.id,
        set: { epoch: sql`greatest(${leadership.epoch}, excluded.epoch)`, holder, since: at },
      });
    return true;
  },
};
