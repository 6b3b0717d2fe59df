/**
 * drizzle-orm's PostgreSQL schema builders. Not loaded by the bot yet: the PostgreSQL store is being built
 * (issue 24); drizzle-kit and the schema parity test read the schema that uses them.
 */
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
