import { randomBytes } from 'node:crypto';
import { eq } from '../vendor/drizzle.js';
import { query, type Db } from './database.js';
import { installation } from './schema.js';

/**
 * This installation's id: made once, at first start, and kept with the data. Objects the bot creates carry
 * it (label `release-bot.io/instance`), and so do the messages the outbox posts, so a second installation
 * (a playground, a staging bot, a restore of an old backup) never takes this one's objects for its own.
 */
export function installationId(db: Db, at: Date): Promise<string> {
  return query(db, (db) => {
    return db.transaction((tx) => {
      const existing = tx.select().from(installation).where(eq(installation.id, 1)).get();
      if (existing) return existing.instanceId;
      const instanceId = `rb-${randomBytes(6).toString('hex')}`;
      tx.insert(installation).values({ id: 1, instanceId, createdAt: at }).run();
      return instanceId;
    });
  });
}
