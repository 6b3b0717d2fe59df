import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * What drizzle-kit would generate for `schema`, run on a copy of `folder` (a failing run must not leave a new
 * migration in the repository): the files before and after, and what it said.
 */
function generateOnCopy(dialect: string, schema: string, folder: string) {
  const copy = mkdtempSync(join(tmpdir(), 'release-bot-migrations-'));
  try {
    cpSync(join(ROOT, folder), copy, { recursive: true });
    const filesBefore = readdirSync(copy).sort();
    const output = execFileSync(
      process.execPath,
      [
        'node_modules/drizzle-kit/bin.cjs',
        'generate',
        '--dialect',
        dialect,
        '--schema',
        schema,
        '--out',
        // drizzle-kit reads --out relative to the working directory, even an absolute path.
        relative(ROOT, copy),
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    return { output, filesBefore, filesAfter: readdirSync(copy).sort() };
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

describe('the migrations of both dialects', () => {
  it.each([
    ['sqlite', './src/db/schema.ts', 'migrations/sqlite'],
    ['postgresql', './src/db/postgres/schema.ts', 'migrations/postgres'],
  ])(
    '%s: match the schema (drizzle-kit finds nothing to generate)',
    (dialect, schema, folder) => {
      const { output, filesBefore, filesAfter } = generateOnCopy(dialect, schema, folder);
      expect(output).toContain('No schema changes, nothing to migrate');
      expect(filesAfter).toEqual(filesBefore);
    },
    60_000,
  );
});
