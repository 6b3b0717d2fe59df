// `npm start`: builds only when a source is newer than the last build, then runs the bot in this process.
// An unchanged checkout starts without running tsc at all; a changed (or fresh) one builds first, as before.
/* global process */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// Written by scripts/build.mjs after a whole build, so `npm run build` counts as well.
const STAMP = 'dist/.build-stamp';

/** @param {string} path @returns {number} */
function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

const inputs = ['src', 'scripts/build.mjs', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];
const builtAt = existsSync(STAMP) ? statSync(STAMP).mtimeMs : 0;
if (inputs.some((input) => existsSync(input) && newestMtime(input) > builtAt)) {
  // Said on stderr, so it never mixes with the JSON logs on stdout.
  process.stderr.write(builtAt === 0 ? 'building (first start only)…\n' : 'sources changed: building…\n');
  const started = Date.now();
  const { buildAll } = await import('./build.mjs');
  const status = await buildAll();
  if (status !== 0) process.exit(status);
  process.stderr.write(`built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
await import(pathToFileURL('dist/main.js').href);
