import Database from 'better-sqlite3';

/** Reads the bot's database the way an operator would, with plain SQL. */
export function queryRows(
  databasePath: string,
  sql: string,
  ...params: unknown[]
): Record<string, unknown>[] {
  const db = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as Record<string, unknown>[];
  } finally {
    db.close();
  }
}
