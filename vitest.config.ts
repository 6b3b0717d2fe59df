import { defineConfig } from 'vitest/config';

/**
 * Suites that do not run a second time on PostgreSQL, each for its reason. Everything else under test/e2e
 * runs on both stores.
 */
const sqliteOnly = [
  // They start their own PostgreSQL server: they are the PostgreSQL store's suites already.
  'test/e2e/postgres-*.test.ts',
  'test/e2e/db-copy.test.ts',
  'test/e2e/built-bot.test.ts',
  // SQLite's migrations and single-writer rules: one active instance, a standby answering 503, the fence
  // kept in the file (PostgreSQL's: postgres-migrate, postgres-bot, postgres-failover, postgres-store).
  'test/e2e/migrations.test.ts',
  'test/e2e/leader-election.test.ts',
  'test/e2e/fencing.test.ts',
  // The playground is an embedded, single-instance SQLite install by design.
  'test/e2e/playground*.test.ts',
  // No database: the cluster fixture, the manifests and start-up's configuration checks.
  'test/e2e/kube-fixture.test.ts',
  'test/e2e/rbac.test.ts',
  'test/e2e/ha-manifests.test.ts',
  'test/e2e/startup.test.ts',
];

export default defineConfig({
  test: {
    globalSetup: ['test/cluster/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'sqlite', include: ['test/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: ['test/e2e/**/*.test.ts', 'test/unit/use-cases/**/*.test.ts'],
          exclude: sqliteOnly,
          env: { TEST_STORE: 'postgres' },
          globalSetup: ['test/support/postgres-global-setup.ts'],
        },
      },
    ],
  },
});
