import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres.js';

/**
 * The `postgres` project's server: one real PostgreSQL (Debian's package) for the run, on a free loopback
 * port; each test bot makes its own database on it (test-database.ts).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const server = await startPostgres();
  project.provide('postgresServerUrl', server.url);
  process.stdout.write(`test PostgreSQL ${server.major} ready in ${Date.now() - started} ms\n`);
  return () => server.stop();
}
