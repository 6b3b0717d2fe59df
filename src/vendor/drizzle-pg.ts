/**
 * drizzle-orm's PostgreSQL side: the schema builders, the node-postgres driver and its migrator. Not loaded
 * by the bot yet (issue 24: the store is being built); drizzle-kit, `npm run db:copy` and the PostgreSQL
 * tests use it from the sources.
 */
export { getTableName } from 'drizzle-orm';
export { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
export { migrate } from 'drizzle-orm/node-postgres/migrator';
export {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
