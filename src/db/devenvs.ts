import { ne, sql } from 'drizzle-orm';
import type { Reader } from './database.js';
import { devenvs } from './schema.js';

export function countLiveDevenvs(db: Reader): number {
  return (
    db
      .select({ n: sql<number>`count(*)` })
      .from(devenvs)
      .where(ne(devenvs.state, 'deleting'))
      .get()?.n ?? 0
  );
}
