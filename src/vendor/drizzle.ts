/** drizzle-orm: the query operators, the SQLite schema builders, the better-sqlite3 driver and migrator. */
export { and, asc, desc, eq, gt, inArray, isNull, like, lt, lte, ne, sql, type SQL } from 'drizzle-orm';
export { drizzle } from 'drizzle-orm/better-sqlite3';
export { migrate } from 'drizzle-orm/better-sqlite3/migrator';
export { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
