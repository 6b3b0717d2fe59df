import { describe, expect, it } from 'vitest';
import { cutSafely, fitLines, link, packLines, shortUrlLabel } from '../../../src/slack/blocks/fit.js';
import { brokenMarkup } from '../../support/slack-limits.js';

describe('cutSafely', () => {
  it.each([
    ['short text', 20, 'short text'],
    ['hello <@U1R03M07> world', 12, 'hello …'],
    ['a &amp;gt; b', 5, 'a …'],
    ['ab👍🏽cd', 5, 'ab…'],
    ['ab👍🏽cd', 7, 'ab👍🏽…'],
    ['see <https://x.example/p|pipeline> now', 35, 'see <https://x.example/p|pipeline>…'],
    ['see <https://x.example/p|pipeline> now', 20, 'see …'],
    ['<!date^1700000000^{date_short_pretty}|2023-11-14> x', 20, '…'],
    ['👨‍👩‍👧‍👦 family', 8, '…'],
    ['👨‍👩‍👧‍👦 family', 13, '👨‍👩‍👧‍👦 …'],
    ['👨‍👩‍👧‍👦 family', 14, '👨‍👩‍👧‍👦 f…'],
  ])('%j cut to %i is %j', (text, limit, expected) => {
    expect(cutSafely(text, limit)).toBe(expected);
  });
});

describe('fitLines', () => {
  const more = (n: number) => `and ${n} more: \`/release log 2.4\``;

  it('keeps every line when they fit', () => {
    expect(fitLines(['a', 'b'], { limit: 100, head: '*T*', more })).toEqual({ text: '*T*\na\nb', shown: 2 });
  });

  it('cuts between lines and says how many were left out and where they are', () => {
    const lines = ['<@U1> one', '<@U2> two', '<@U3> three three three', '<@U4> four four four'];
    const { text, shown } = fitLines(lines, { limit: 50, head: '*Log*', more });
    expect({ text, shown }).toEqual({
      text: '*Log*\n<@U1> one\nand 3 more: `/release log 2.4`',
      shown: 1,
    });
  });

  it('cuts a single overlong first line safely instead of showing nothing', () => {
    const { text, shown } = fitLines([`${'x'.repeat(50)} <@U123456> tail`, 'second'], { limit: 60, more });
    expect(shown).toBe(1);
    expect(text).toBe(`${'x'.repeat(28)}…\nand 1 more: \`/release log 2.4\``);
  });
});

describe('packLines', () => {
  it('splits into groups under the limit without splitting a line', () => {
    expect(packLines(['aaaa', 'bbbb', 'cccc'], 9)).toEqual(['aaaa\nbbbb', 'cccc']);
  });
});

describe('links', () => {
  it.each([
    ['https://gitlab.example.com/acme/blog/-/pipelines/1234', 'pipeline #1234'],
    ['https://ci.example.com/job/blog/build/88', 'pipeline #88'],
    ['https://ci.example.com/view/blog-service', 'ci.example.com/…/blog-service'],
    ['https://ci.example.com/', 'ci.example.com'],
    ['not a url', 'link'],
  ])('%s is labelled %j', (url, label) => {
    expect(shortUrlLabel(url)).toBe(label);
  });

  it('cannot be closed early by what the URL holds', () => {
    expect(link('https://ci.example.com/x|y>z')).toBe(
      '<https://ci.example.com/x%7Cy%3Ez|ci.example.com/…/xyz>',
    );
    // Spaces make it no URL at all: the label alone, with nothing Slack would read as markup.
    expect(link('https://ci.example.com/x|fixed by security> <!channel')).toBe(
      'ci.example.com/…/xfixed by security !channel',
    );
  });

  it('shows only the label for what is not http(s)', () => {
    expect(link('javascript:alert(1)', 'pipeline')).toBe('pipeline');
  });

  it('drops the query of a very long URL, and the link when even the page is too long', () => {
    const long = `https://ci.example.com/pipelines/77?${'q=1&'.repeat(300)}`;
    expect(link(long)).toBe('<https://ci.example.com/pipelines/77|pipeline #77>');
    expect(link(`https://ci.example.com/${'p'.repeat(600)}`)).toBe(`ci.example.com/…/${'p'.repeat(30)}…`);
  });
});

/** A small deterministic generator, so a failure is reproducible from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const PARTS = [
  '<@U1R03M07>',
  '<#C0123ABCD>',
  '<!date^1700000000^{date_short_pretty} {time}|2023-11-14 22:13 UTC>',
  '<https://gitlab.example.com/acme/blog/-/pipelines/1234|pipeline #1234>',
  '&amp;gt;',
  '&lt;',
  '&amp;',
  '👍🏽',
  '🇩🇪',
  '👨‍👩‍👧‍👦',
  'é',
  'BLOG-1234',
  'Fix the thing that broke',
  ' ',
  '*bold*',
  '_it_',
];

describe('property: no cut ever breaks markup', () => {
  it('holds for 2,000 random ticket lists, limits and cuts', () => {
    const next = random(42);
    const problems: string[] = [];
    let roundsCut = 0;
    for (let round = 0; round < 2000; round++) {
      const lines: string[] = [];
      const count = Math.floor(next() * 30);
      for (let i = 0; i < count; i++) {
        let line = '• ';
        const parts = 1 + Math.floor(next() * 12);
        for (let p = 0; p < parts; p++) line += PARTS[Math.floor(next() * PARTS.length)];
        lines.push(line);
      }
      // Realistic limits always leave room for the head and the "and N more" line.
      const limit = 60 + Math.floor(next() * 400);
      const fitted = fitLines(lines, { limit, head: '*Tickets*', more: (n) => `and ${n} more` });
      const hidden = lines.length - fitted.shown;
      if (hidden > 0) roundsCut += 1;
      const texts = [fitted.text, ...packLines(lines, limit), cutSafely(lines.join(' '), limit)];
      for (const text of texts) {
        if (text.length > limit) problems.push(`round ${round}: ${text.length} > ${limit}`);
        const broken = brokenMarkup(text);
        if (broken) problems.push(`round ${round}: ${broken} in ${text}`);
      }
      if (hidden > 0 && !fitted.text.endsWith(`and ${hidden} more`))
        problems.push(`round ${round}: no "and ${hidden} more" at the end of ${fitted.text}`);
    }
    expect(problems).toEqual([]);
    // The property is not vacuous: most rounds had to cut.
    expect(roundsCut).toBeGreaterThan(1000);
  });
});
