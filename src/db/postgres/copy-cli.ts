// `npm run db:copy -- --to postgres://…`: moves an installation's SQLite database into an empty PostgreSQL
// database (docs/running.md, "Moving to PostgreSQL"). Stop the bot first: rows written during the copy are
// not in it.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openDatabase } from '../database.js';
import { CopyRefused, copySqliteToPostgres } from './copy.js';
import { postgresPool, redactedUrl } from './connect.js';

const USAGE =
  'usage: npm run db:copy -- --to postgres://user:password@host:5432/db [--from ./data/release-bot.sqlite] [--ca-file ca.pem]';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      to: { type: 'string' },
      from: { type: 'string' },
      'ca-file': { type: 'string' },
    },
  });
  const to = values.to ?? process.env.DATABASE_URL;
  const from = values.from ?? process.env.DATABASE_PATH ?? './data/release-bot.sqlite';
  if (!to || !/^postgres(ql)?:\/\//.test(to)) {
    console.error(`db:copy needs the target as --to postgres://…\n${USAGE}`);
    return 2;
  }
  if (!existsSync(from)) {
    console.error(`db:copy: there is no SQLite database at ${from} (set --from or DATABASE_PATH)\n${USAGE}`);
    return 2;
  }
  const source = openDatabase(from);
  const pool = postgresPool(to, { caFile: values['ca-file'] ?? process.env.DATABASE_CA_FILE, max: 2 });
  const started = performance.now();
  try {
    const counts = await copySqliteToPostgres(source.db, pool);
    for (const c of counts) console.log(`${c.table.padEnd(20)} ${String(c.postgres).padStart(10)} rows`);
    const rows = counts.reduce((sum, c) => sum + c.postgres, 0);
    console.log(
      `copied ${rows} rows from ${from} into ${redactedUrl(to)} in ${((performance.now() - started) / 1000).toFixed(1)} s; the counts match`,
    );
    return 0;
  } catch (error) {
    if (error instanceof CopyRefused) {
      console.error(`db:copy refused: ${error.message}`);
      return 2;
    }
    console.error(`db:copy failed, nothing was committed: ${(error as Error).message}`);
    return 1;
  } finally {
    source.close();
    await pool.end();
  }
}

process.exitCode = await main();
