import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const PAGES = [
  'README.md',
  'CHANGELOG.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');
}

/** The text outside fenced code blocks: a link shown as code is not a link. */
function prose(markdown: string): string {
  return markdown.replace(/^```[^]*?^```/gm, '');
}

function anchorsOf(path: string): Set<string> {
  const headings = prose(readFileSync(path, 'utf8')).match(/^#{1,6} .*$/gm) ?? [];
  return new Set(headings.map((h) => headingAnchor(h.replace(/^#+ /, ''))));
}

function relativeLinks(page: string): { page: string; target: string }[] {
  const text = prose(readFileSync(join(ROOT, page), 'utf8'));
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^[a-z]+:/i.test(target))
    .map((target) => ({ page, target }));
}

describe('the documentation', () => {
  it('names every page under docs/ in the README’s map: none is left where nobody finds it', () => {
    const named = new Set(relativeLinks('README.md').map(({ target }) => target.split('#')[0]));
    expect(PAGES.filter((page) => page.startsWith('docs/') && !named.has(page))).toEqual([]);
  });

  it('links only to files and headings that exist', () => {
    const links = PAGES.flatMap(relativeLinks);
    expect(links.length).toBeGreaterThan(20);
    const broken = links.filter(({ page, target }) => {
      const [path = '', anchor] = target.split('#');
      const file = path === '' ? join(ROOT, page) : resolve(dirname(join(ROOT, page)), path);
      if (!existsSync(file)) return true;
      return anchor !== undefined && file.endsWith('.md') && !anchorsOf(file).has(anchor);
    });
    expect(broken).toEqual([]);
  });

  it('reads anchors as GitHub makes them', () => {
    expect(headingAnchor('Freeze gate for CI/CD')).toBe('freeze-gate-for-cicd');
    expect(headingAnchor('Releases: `/release`')).toBe('releases-release');
    expect(headingAnchor('Pipeline recipes with `images` and one retry')).toBe(
      'pipeline-recipes-with-images-and-one-retry',
    );
  });
});
