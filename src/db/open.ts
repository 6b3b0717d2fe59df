import { openDatabase } from './database.js';
import { currentFence } from './fencing.js';
import { installationId } from './installation.js';
import type { Store } from './query.js';

/** The store the bot runs on, whichever it is, with what the composition root and readiness need of it. */
export interface OpenStore {
  store: Store;
  kind: 'sqlite' | 'postgres';
  /** Why the store cannot take a write now (read-only, locked, unreachable), if it cannot. */
  writeProblem(): Promise<string | undefined> | string | undefined;
  /** Why the schema is not the one this build expects, if it is not. */
  migrationProblem(): Promise<string | undefined> | string | undefined;
  /** The leadership fence: a new Lease term's epoch starts above it. */
  fence(): Promise<number | undefined>;
  /** This installation's id, made by the first instance that ever started. */
  installationId(at: Date): Promise<string>;
  close(): Promise<void>;
}

export interface PostgresSettings {
  url: string;
  poolSize: number;
  caFile: string | undefined;
  /** One statement's limit, on the server and at the bot (seconds). */
  timeoutSeconds: number;
}

export interface StoreSettings {
  databasePath: string;
  postgres: PostgresSettings | undefined;
}

/**
 * Opens and migrates the store: PostgreSQL when DATABASE_URL is set (its code loaded only then), else the
 * SQLite file.
 */
export async function openStore(settings: StoreSettings): Promise<OpenStore> {
  if (settings.postgres) return (await import('./postgres/open.js')).openPostgres(settings.postgres);
  const database = openDatabase(settings.databasePath);
  return {
    store: database.store,
    kind: 'sqlite',
    writeProblem: () => database.writeProblem(),
    migrationProblem: () => database.migrationProblem(),
    fence: () => Promise.resolve(currentFence(database.db)),
    installationId: (at) => installationId(database.db, at),
    close: () => Promise.resolve(database.close()),
  };
}
