import { describe, expect, it } from 'vitest';
import {
  csvField,
  csvLine,
  cutToBytes,
  describeLateChange,
  groupTickets,
  notesMarkdown,
  notesShortForm,
  type ReleaseNotes,
} from '../../../src/domain/release-notes.js';
import { doneTicket as ticket } from '../../support/notes-fixtures.js';

const at = new Date('2026-12-01T08:30:00Z');

function notes(overrides: Partial<ReleaseNotes> = {}): ReleaseNotes {
  return {
    version: '2.4',
    state: 'released',
    tickets: groupTickets([ticket('BLOG-2', 'Bug', 'Fix *login*\nnow'), ticket('TAG-1', 'Story', 'Tags')]),
    ticketsProblem: undefined,
    ticketUrl: (key) => `https://jira.example/browse/${key}`,
    lateChanges: [],
    signoffs: [],
    ...overrides,
  };
}

describe('release notes, exactly', () => {
  it('orders keys by project, then by number, and a key without a number first', () => {
    const grouped = groupTickets(
      ['BLOG-10', 'BLOG-9', 'ABC-2', 'BLOG', 'ZED-1', 'BLOG-100'].map((k) => ticket(k, 'Task')),
    );
    expect(grouped.Task.map((t) => t.key)).toEqual([
      'ABC-2',
      'BLOG',
      'BLOG-9',
      'BLOG-10',
      'BLOG-100',
      'ZED-1',
    ]);
  });

  it('renders the whole Markdown of a release with nothing late and no sign-off', () => {
    expect(notesMarkdown(notes())).toBe(
      [
        '# Release 2.4',
        '',
        'State: released.',
        '',
        '## Bugs',
        '',
        '- [BLOG-2](https://jira.example/browse/BLOG-2) Fix \\*login\\* now',
        '',
        '## Stories',
        '',
        '- [TAG-1](https://jira.example/browse/TAG-1) Tags',
        '',
        '## Late changes',
        '',
        'None: nothing changed after the freeze.',
        '',
        '## Sign-offs',
        '',
        'None yet.',
        '',
      ].join('\n'),
    );
  });

  it('renders late changes, sign-offs and a Jira that could not be read', () => {
    const markdown = notesMarkdown(
      notes({
        tickets: undefined,
        ticketsProblem: 'Jira answered 503',
        lateChanges: [
          {
            kind: 'gate',
            service: 'blog',
            issues: [],
            commit: 'abcdef0123456789',
            pipelineUrl: 'https://ci.example/p/1',
            at,
          },
          {
            kind: 'exception',
            id: 3,
            service: 'tag',
            issueKey: 'TAG-9',
            reason: 'hotfix',
            state: 'approved',
            requestedBy: 'U1',
            decidedBy: 'U2',
            at,
          },
        ],
        signoffs: [
          { voter: 'UQA', roles: ['qa', 'sre'], decision: 'approve', reason: null, revision: 2, at },
          { voter: 'UPO', roles: ['product'], decision: 'reject', reason: 'no <go>', revision: 2, at },
        ],
      }),
    );
    expect(markdown).toBe(
      [
        '# Release 2.4',
        '',
        'State: released.',
        '',
        '_Tickets not listed: Jira answered 503._',
        '',
        '## Late changes',
        '',
        '- blog: no ticket at abcdef012345, through the gate 2026-12-01 08:30 UTC ([pipeline](https://ci.example/p/1))',
        '- tag: exception \\#3 for TAG-9 (approved), asked 2026-12-01 08:30 UTC: hotfix',
        '',
        '## Sign-offs',
        '',
        '- UQA (qa, sre) approved, revision 2, 2026-12-01 08:30 UTC',
        '- UPO (product) rejected: no \\<go\\>, revision 2, 2026-12-01 08:30 UTC',
        '',
      ].join('\n'),
    );
    expect(notesMarkdown(notes({ tickets: undefined }))).toContain(
      '_Tickets not listed: Jira is not connected._',
    );
  });

  it('describes a gate change with its tickets and without a commit', () => {
    expect(
      describeLateChange({
        kind: 'gate',
        service: 'blog',
        issues: ['A-1', 'A-2'],
        commit: null,
        pipelineUrl: null,
        at,
      }),
    ).toBe('blog: A-1, A-2, through the gate 2026-12-01 08:30 UTC');
  });

  it('writes the short form whole when it fits, to the byte', () => {
    const full = 'Bugs: BLOG-2 Fix *login*\nnow\nStories: TAG-1 Tags\nLate changes: 0. Full notes: https://x';
    expect(notesShortForm(notes(), Buffer.byteLength(full), 'https://x')).toBe(full);
    expect(notesShortForm(notes({ tickets: undefined }), 100, 'https://x')).toBe(
      'Late changes: 0. Full notes: https://x',
    );
  });

  it('cuts the short form one byte under its length, with the pointer', () => {
    const full = 'Bugs: BLOG-2 Fix *login*\nnow\nStories: TAG-1 Tags\nLate changes: 0. Full notes: https://x';
    const limit = Buffer.byteLength(full) - 1;
    const tail = '\n… cut to fit Jira. Full notes: https://x';
    const cut = notesShortForm(notes(), limit, 'https://x');
    expect(cut).toBe(`${full.slice(0, limit - Buffer.byteLength(tail))}${tail}`);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(limit);
  });

  it.each<[string, number, string]>([
    ['abc', 3, 'abc'],
    ['abc', 2, 'ab'],
    ['aé', 2, 'a'],
    ['aé', 3, 'aé'],
    ['€x', 1, ''],
    ['€x', 0, ''],
    ['abc', -1, ''],
  ])('cuts %j to %i bytes as %j', (text, bytes, cut) => {
    expect(cutToBytes(text, bytes)).toBe(cut);
  });

  it.each<[string | number | null | undefined, string]>([
    [null, ''],
    [undefined, ''],
    [0, '0'],
    [12, '12'],
    ['plain', 'plain'],
    ['=SUM(A1)', "'=SUM(A1)"],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@cmd', "'@cmd"],
    ['\tx', "'\tx"],
    ['\rx', '"\'\rx"'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['a=b', 'a=b'],
  ])('writes %j as the CSV field %j', (value, field) => {
    expect(csvField(value)).toBe(field);
  });

  it('ends a CSV line with CRLF', () => {
    expect(csvLine(['a', 1, null])).toBe('a,1,\r\n');
  });
});
