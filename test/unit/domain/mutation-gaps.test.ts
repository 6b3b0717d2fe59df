import { describe, expect, it } from 'vitest';
import { parseWhen, parseWorkingHours } from '../../../src/domain/calendar.js';
import { closestNames, parseOverride } from '../../../src/domain/devenv/model.js';
import { containsJson, sameJson } from '../../../src/domain/devenv/objects.js';
import { isIpLiteral, unwrapSlackMarkup } from '../../../src/domain/devenv/policy.js';
import { notesMarkdown, notesShortForm } from '../../../src/domain/release-notes.js';
import { parseRoleName } from '../../../src/domain/signoff.js';
import { doneTicket, releasedNotes } from '../../support/notes-fixtures.js';

/**
 * The cases the mutation run showed no test could tell apart (docs/mutation-survivors.md, "gap"): each
 * expected value is written out, never derived from the code under test.
 */
describe('the edges mutation testing found untested', () => {
  const refusal = (run: () => unknown): string => {
    try {
      run();
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('no refusal');
  };

  it('cuts what it quotes back at 80 characters, whichever way a target is wrong', () => {
    const cluster = `${'a'.repeat(70)}/${'B'.repeat(20)}`;
    expect(refusal(() => parseOverride(`blog@${cluster}`, 'dev'))).toBe(
      `\`${'a'.repeat(70)}/${'B'.repeat(9)}\` is not namespace/name of a Service.`,
    );
    const external = `${'bad_host'.repeat(11)}.example.com:8080`;
    expect(refusal(() => parseOverride(`blog@${external}`, 'dev'))).toBe(
      `\`${'bad_host'.repeat(10)}\` is not host:port of an endpoint (e.g. dev-box.example.com:8080).`,
    );
    const neither = `blog@${'x'.repeat(90)}`;
    expect(refusal(() => parseOverride(neither, 'dev'))).toBe(
      `\`blog@${'x'.repeat(75)}\`: a target is \`service@namespace/name\` (in the cluster) or \`service@host:port\` (outside).`,
    );
  });

  it('reads host:port only as the whole target, never a tail of it', () => {
    expect(refusal(() => parseOverride('blog@x:b.example.com:8080', 'dev'))).toBe(
      '`blog@x:b.example.com:8080`: a target is `service@namespace/name` (in the cluster) or `service@host:port` (outside).',
    );
  });

  it('writes a rejection without a reason as an empty one', () => {
    const markdown = notesMarkdown(
      releasedNotes([], {
        signoffs: [
          {
            voter: 'Ana',
            roles: ['qa'],
            decision: 'reject',
            reason: null,
            revision: 2,
            at: new Date('2026-12-01T08:30:00Z'),
          },
        ],
      }),
    );
    expect(markdown).toContain('- Ana (qa) rejected: , revision 2, 2026-12-01 08:30 UTC');
  });

  it('separates two tickets of one type in the short form', () => {
    const short = notesShortForm(
      releasedNotes([doneTicket('BLOG-1', 'Bug', 'one'), doneTicket('BLOG-2', 'Bug', 'two')]),
      10_000,
      'https://bot.example/notes',
    );
    expect(short).toContain(': BLOG-1 one; BLOG-2 two');
  });

  it('suggests a name at exactly the distance allowed, and not one further', () => {
    expect(closestNames('blog', ['bxxg'])).toEqual(['bxxg']);
    expect(closestNames('blog', ['xxxg'])).toEqual([]);
  });

  it('compares every element and every key, not just one', () => {
    expect(containsJson([1, 2], [1, 3])).toBe(false);
    expect(containsJson([1, 2], [1, 2])).toBe(true);
    expect(containsJson([1], [1, 2])).toBe(false);
    expect(containsJson({ a: { b: 1, c: 2 } }, { a: { b: 1, c: 3 } })).toBe(false);
    expect(containsJson({ a: 1 }, [1])).toBe(false);
    expect(containsJson({ a: 1 }, null)).toBe(false);
    expect(containsJson({ a: undefined, b: 2 }, { b: 2, extra: true })).toBe(true);
    expect(containsJson({ a: undefined }, { a: 5 })).toBe(true);
    expect(containsJson({}, null)).toBe(false);
    expect(containsJson({}, [1])).toBe(false);
    expect(sameJson([1, 2], [12])).toBe(false);
    expect(sameJson({ b: [1, 2], a: 1 }, { a: 1, b: [1, 2] })).toBe(true);
  });

  it('knows dotted numbers in any base as addresses, and five parts as no address', () => {
    expect(isIpLiteral('0x7f.0.0.0x1')).toBe(true);
    expect(isIpLiteral('foo.0x1')).toBe(false);
    expect(isIpLiteral('1.2.3.4.0x5')).toBe(false);
    expect(isIpLiteral('[fd00::1]')).toBe(true);
    expect(isIpLiteral('[10.0.0.1]')).toBe(true);
  });

  it('undoes only the markup Slack adds at the edges of a link or mention', () => {
    expect(unwrapSlackMarkup('<@U123|ana@x>')).toBe('@ana@x');
    expect(unwrapSlackMarkup('<ftp://a.b/http://c>')).toBe('ftp://a.b/http://c');
    expect(unwrapSlackMarkup('<https://a.b/c/>')).toBe('a.b/c');
  });

  it('refuses an unknown day name in WORKING_HOURS, alone or in a range', () => {
    expect(parseWorkingHours('09:00-18:00 Xyz', 'UTC')).toBeUndefined();
    expect(parseWorkingHours('09:00-18:00 Mon-Xyz', 'UTC')).toBeUndefined();
    expect(parseWorkingHours('09:00-18:00 Mon,Xyz', 'UTC')).toBeUndefined();
    expect(parseWorkingHours('09:00-18:00 Xyz-Mon', 'UTC')).toBeUndefined();
  });

  it('quotes at most 40 characters of a zone and 30 of a date it cannot read', () => {
    const clock = { zone: 'UTC', defaultTime: { hour: 9, minute: 0 } };
    expect(refusal(() => parseWhen('freeze', `2026-13-45${'9'.repeat(30)}`, 'Z'.repeat(50), clock))).toBe(
      `\`freeze=2026-13-45${'9'.repeat(20)} ${'Z'.repeat(40)}\` is not a date: use YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DD HH:MM, optionally followed by a time zone such as Europe/Berlin.`,
    );
    expect(refusal(() => parseWhen('freeze', '2026-12-01', 'Y'.repeat(50), clock))).toBe(
      `\`${'Y'.repeat(40)}\` is not a time zone: use an IANA name such as Europe/Berlin or UTC.`,
    );
  });

  it('names a missing role name as empty', () => {
    expect(refusal(() => parseRoleName(undefined))).toBe(
      '`` is not a valid role name: use up to 32 lowercase letters, digits, `-` or `_`, starting with a letter.',
    );
  });

  it('folds a Windows line break in a summary into one space', () => {
    const markdown = notesMarkdown(releasedNotes([doneTicket('BLOG-2', 'Bug', 'Fix\r\nlogin')]));
    expect(markdown).toContain('Fix login');
    expect(markdown).not.toContain('Fix  login');
  });
});
