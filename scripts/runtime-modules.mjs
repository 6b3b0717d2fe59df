// `node scripts/runtime-modules.mjs <target>`: copies into <target>/node_modules only what the built bot
// loads from node_modules at run time. Everything else is bundled into dist/vendor (scripts/build.mjs), so
// the image carries a few packages instead of every production dependency (210 MB of them).
/* global process */
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The packages dist/ imports by name (the bundles keep better-sqlite3, a native addon, outside; the rest are
 * small and imported by our own modules). A test builds the image and starts it, so a missing one fails CI.
 */
export const RUNTIME_PACKAGES = ['better-sqlite3', 'prom-client', 'yaml', 'slack-markdown'];

/**
 * What a package needs at run time; build inputs (sources, object files) stay behind.
 * @type {Record<string, string[]>}
 */
const SKIP = {
  'better-sqlite3': [
    'deps',
    'src',
    'build/Release/obj',
    'build/Release/obj.target',
    'build/Release/sqlite3.a',
    'build/Release/test_extension.node',
    'build/deps',
    'binding.gyp',
  ],
};
/** Only needed to build or download the addon, never to load it. */
const BUILD_ONLY = new Set(['prebuild-install']);

/** @param {string} name @param {string} from the directory of the package that depends on it */
function resolvePackage(name, from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`cannot find ${name} from ${from}`);
  }
}

/** @param {string} target @returns {string[]} the packages copied, as paths below the project */
export function copyRuntimeModules(target) {
  const root = process.cwd();
  /** @type {Set<string>} */
  const seen = new Set();
  /** @type {{ name: string, from: string }[]} */
  const queue = RUNTIME_PACKAGES.map((name) => ({ name, from: root }));
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const { name, from } = next;
    if (BUILD_ONLY.has(name)) continue;
    const dir = resolvePackage(name, from);
    if (seen.has(dir)) continue;
    seen.add(dir);
    const destination = join(target, dir.slice(root.length));
    mkdirSync(destination, { recursive: true });
    const skip = (SKIP[name] ?? []).map((p) => join(dir, p));
    cpSync(dir, destination, {
      recursive: true,
      filter: (source) =>
        !skip.some((s) => source === s || source.startsWith(`${s}/`)) &&
        // Nested node_modules are resolved (and copied) package by package, like the top level.
        !source.slice(dir.length).includes('/node_modules'),
    });
    /** @type {{ dependencies?: Record<string, string>, optionalDependencies?: Record<string, string> }} */
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const dependency of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
      const optional = manifest.optionalDependencies?.[dependency] !== undefined;
      try {
        resolvePackage(dependency, dir);
        queue.push({ name: dependency, from: dir });
      } catch (error) {
        if (!optional) throw error;
      }
    }
  }
  return [...seen].map((dir) => dir.slice(root.length + 1));
}

const target = process.argv[2];
if (target) {
  const copied = copyRuntimeModules(target);
  process.stdout.write(`runtime modules: ${copied.length} packages into ${target}\n`);
}
