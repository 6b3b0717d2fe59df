/**
 * drizzle-orm's PostgreSQL side (the schema builders, the node-postgres driver and its migrator) and `pg`
 * itself: bundled apart from drizzle.ts, and loaded only when DATABASE_URL selects PostgreSQL.
 */
export { default as pg } from 'pg';
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
