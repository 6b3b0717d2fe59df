import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The commit of the release before this one (test/fixtures/previous-release): what a rolling upgrade
 * runs beside the new build. Moved on at each release, after the release's migrations have shipped.
 */
export function previousReleaseCommit(): string {
  const line = readFileSync('test/fixtures/previous-release', 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l && !l.startsWith('#'));
  if (!line || !/^[0-9a-f]{7,40}$/.test(line))
    throw new Error('test/fixtures/previous-release names no commit');
  if (spawnSync('git', ['cat-file', '-e', `${line}^{commit}`]).status !== 0) {
    throw new Error(
      `the previous release's commit ${line} is not in this clone's history: clone in full (git fetch --unshallow)`,
    );
  }
  return line;
}

/** The files of `commit` at that commit (from this clone's history). */
export function filesAt(commit: string, path: string): string[] {
  return execFileSync('git', ['ls-tree', '--name-only', `${commit}:${path}`], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
}

/** One file's text at `commit`. */
export function fileAt(commit: string, path: string): string {
  return execFileSync('git', ['show', `${commit}:${path}`], { encoding: 'utf8' });
}

/**
 * The previous release, checked out from this clone's history and built (`dist/`), for a bot process to
 * run. Its dependencies are this checkout's when its lock file is the same, else installed with `npm ci`.
 */
export function buildPreviousRelease(commit: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'release-bot-previous-'));
  execFileSync('bash', ['-c', `git archive ${commit} | tar -x -C "${dir}"`], { stdio: 'pipe' });
  const sameLock = spawnSync('git', ['diff', '--quiet', commit, '--', 'package-lock.json']).status === 0;
  if (sameLock) symlinkSync(join(process.cwd(), 'node_modules'), join(dir, 'node_modules'));
  else execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'pipe' });
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: dir, stdio: 'pipe' });
  return dir;
}

/**
 * The statements of a migration that take something away from the previous release's code (the contract
 * half of expand-then-contract): dropping or renaming a table or column, changing a column's type, making
 * one NOT NULL, or adding one NOT NULL without a default. A contract is allowed once the previous release
 * no longer uses what it removes: say so on the statement's line with `-- contract: <why it is safe>`.
 */
export function contractingStatements(migration: string): string[] {
  const contracting = [
    /\bdrop\s+(table|column)\b/i,
    /\balter\s+table\s+\S+\s+drop\s+(?!constraint|index)\S+/i,
    /\brename\b/i,
    /\balter\s+column\s+\S+\s+(set\s+data\s+)?type\b/i,
    /\bset\s+not\s+null\b/i,
  ];
  const statements: string[] = [];
  let current = '';
  const flush = () => {
    if (current.trim()) statements.push(current.trim());
    current = '';
  };
  for (const line of migration.split('\n')) {
    if (line.trim() === '--> statement-breakpoint') {
      flush();
      continue;
    }
    current += `${line}\n`;
    if (/;\s*(--.*)?$/.test(line)) flush();
  }
  flush();
  // A column added NOT NULL with no default fails the previous release's inserts, which do not name it.
  const addsRequiredColumn = (code: string) =>
    (code.match(/\badd\s+(column\s+)?[^,;]*/gi) ?? []).some(
      (clause) => /\bnot\s+null\b/i.test(clause) && !/\bdefault\b/i.test(clause),
    );
  return statements
    .filter((statement) => !/--\s*contract:/i.test(statement))
    .filter((statement) => {
      const code = statement.replace(/--.*$/gm, '');
      return contracting.some((pattern) => pattern.test(code)) || addsRequiredColumn(code);
    });
}
