// `npm run build`: tsc into dist/, then each library in src/vendor/ bundled into the module that re-exports it
// (src/vendor/README.md says why: a third of the memory). What the bundles share (zod, axios…) goes into
// shared chunks beside them and loads once. Everything else stays tsc's output, one file per source, with
// source maps; identifiers in the bundles are not minified, so stack traces through a library stay readable.
/* global process */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/** Each module that re-exports a library (src/vendor/README.md), by its source and its place in dist/. */
const VENDORED = ['bolt', 'kubernetes', 'jira', 'zod', 'drizzle', 'drizzle-pg', 'pino'].map((name) => ({
  in: `src/vendor/${name}.ts`,
  out: `vendor/${name}`,
}));

/** @returns {Promise<number>} the exit status: 0 when tsc and the bundling both succeeded */
export async function buildAll() {
  // TypeScript 7, the native compiler (4x faster here); 5.9 stays as `typescript` for typescript-eslint.
  const tsc = spawnSync(process.execPath, ['node_modules/typescript7/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
  if (tsc.status !== 0) return tsc.status ?? 1;
  // Chunks are named by content: drop the last build's, which nothing imports any more.
  rmSync('dist/vendor', { recursive: true, force: true });
  await build({
    entryPoints: VENDORED,
    outdir: 'dist',
    chunkNames: 'vendor/shared-[hash]',
    allowOverwrite: true,
    bundle: true,
    // A native addon: it stays a package, loaded by Node as it is. pg-native is pg's optional native
    // driver, which we never select (pg requires it only when asked for `pg.native`).
    external: ['better-sqlite3', 'pg-native'],
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minifyWhitespace: true,
    minifySyntax: true,
    // No keepNames: it wraps functions in a defineProperty call each time they are made, and with it the
    // 1,000/s sweep saturated (p99 3.2 s against 30–120 ms without). Bundling renames only top-level names
    // that clash (ObjectSerializer2, Request2…); none of those is compared by its name in the libraries.
    legalComments: 'none',
    logLevel: 'warning',
    // The libraries' CommonJS parts call require() for Node's own modules; an ES module has none.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
  });
  // tsc's maps describe the one-line re-exports, not the bundles.
  for (const { out } of VENDORED) rmSync(`dist/${out}.js.map`, { force: true });
  // `npm start` skips the build while no source is newer than this.
  writeFileSync('dist/.build-stamp', new Date().toISOString());
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exit(await buildAll());
