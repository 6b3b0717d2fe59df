import { defineConfig } from 'vitest/config';

/**
 * The tests mutation testing runs (`npm run mutate`): the unit tests, which need no cluster or child
 * processes, so each of thousands of mutants takes seconds, not minutes. The end-to-end suite still
 * guards the same code in `npm test`; a mutant only it would kill is counted as surviving here.
 */
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    // The renderer test drives a browser: it covers no code under mutation.
    exclude: ['test/unit/playground/render.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
  },
});
