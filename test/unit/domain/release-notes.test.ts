import { describe, expect, it } from 'vitest';
import {
  csvLine,
  cutToBytes,
  groupTickets,
  notesMarkdown,
  notesShortForm,
  type ReleaseNotes,
} from '../../../src/domain/release-notes.js';
import type { ScopeIssue } from '../../../src/domain/scope.js';

const issue = (key: string, type: string, summary = `Summary of ${key}`): ScopeIssue => ({
  key,
  type,
  summary,
  status: 'Done',
  statusCategory: 'done',
  assignee: null,
  priority: null,
});

function notes(issues: ScopeIssue[]): ReleaseNotes {
  return {
    version: '2.4',
    state: 'released',
    tickets: groupTickets(issues),
    ticketsProblem: undefined,
    ticketUrl: (key) => `https://acme.atlassian.net/browse/${key}`,
    lateChanges: [
      {
        kind: 'gate',
        service: 'blog-service',
        issues: ['BLOG-10'],
        commit: '0123456789abcdef',
        pipelineUrl: 'https://ci.acme.test/p/1',
        at: new Date('2026-12-02T10:00:00Z'),
      },
    ],
    signoffs: [
      {
        voter: 'UQA1',
        roles: ['qa'],
        decision: 'approve',
        reason: null,
        revision: 2,
        at: new Date('2026-12-03T10:00:00Z'),
      },
    ],
  };
}

describe('release notes', () => {
  it('group tickets by type in key order; unknown types are Other', () => {
    const groups = groupTickets([
      issue('BLOG-10', 'Bug'),
      issue('BLOG-9', 'Bug'),
      issue('TAG-1', 'Story'),
      issue('BLOG-3', 'Epic'),
    ]);
    expect(groups.Bug.map((i) => i.key)).toEqual(['BLOG-9', 'BLOG-10']);
    expect(groups.Story.map((i) => i.key)).toEqual(['TAG-1']);
    expect(groups.Task).toEqual([]);
    expect(groups.Other.map((i) => i.key)).toEqual(['BLOG-3']);
  });

  it('render as Markdown with links, late changes and sign-offs, escaping what people typed', () => {
    const md = notesMarkdown(notes([issue('BLOG-9', 'Bug', 'Fix *login* [again]'), issue('BLOG-3', 'Task')]));
    expect(md).toContain(
      '## Bugs\n\n- [BLOG-9](https://acme.atlassian.net/browse/BLOG-9) Fix \\*login\\* \\[again\\]',
    );
    expect(md).toContain('## Tasks');
    expect(md).not.toContain('## Stories');
    expect(md).toContain('blog-service: BLOG-10 at 0123456789ab, through the gate 2026-12-02 10:00 UTC');
    expect(md).toContain('([pipeline](https://ci.acme.test/p/1))');
    expect(md).toContain('- UQA1 (qa) approved, revision 2, 2026-12-03 10:00 UTC');
  });

  it('cut the Jira short form to the byte limit without splitting a character', () => {
    const many = Array.from({ length: 2000 }, (_, i) =>
      issue(`BLOG-${i + 1}`, 'Story', 'Überschrift ✓ lang'),
    );
    const short = notesShortForm(notes(many), 16_384, 'https://acme.slack.com/archives/C1/p1');
    expect(Buffer.byteLength(short)).toBeLessThanOrEqual(16_384);
    expect(short).toMatch(/cut to fit Jira\. Full notes: https:\/\/acme\.slack\.com\/archives\/C1\/p1$/);
    expect(short).not.toContain('\uFFFD');
    expect(cutToBytes('a✓b', 2)).toBe('a');
    expect(cutToBytes('a✓b', 4)).toBe('a✓');
  });

  it('quote CSV fields and keep formulas from running in a spreadsheet', () => {
    expect(csvLine(['plain', 'a,b', 'say "hi"', 'line\nbreak', '=HYPERLINK("x")', null, 3])).toBe(
      'plain,"a,b","say ""hi""","line\nbreak","\'=HYPERLINK(""x"")",,3\r\n',
    );
  });
});

describe('what shipped', () => {
  const withShipped = (): ReleaseNotes => ({
    ...notes([issue('BLOG-1', 'Bug')]),
    lateChanges: [
      {
        kind: 'allowed',
        service: 'db',
        image: 'reg/db:7',
        reason: 'restore',
        actor: 'UMANAGER1',
        at: new Date('2026-12-02T11:00:00Z'),
      },
    ],
    whatShipped: {
      revision: 3,
      workloads: [
        {
          namespace: 'preprod',
          kind: 'Deployment',
          name: 'blog',
          service: 'blog-service',
          generation: 4,
          containers: [
            { container: 'app', image: 'reg/blog:2.4', init: false },
            { container: 'migrate', image: 'reg/blog-migrate:2.4', init: true },
          ],
        },
      ],
      since: {
        version: '2.3',
        diff: {
          added: [],
          removed: [],
          changed: [
            {
              service: 'blog-service',
              namespace: 'preprod',
              kind: 'Deployment',
              name: 'blog',
              changes: [{ container: 'app', init: false, from: 'reg/blog:2.3', to: 'reg/blog:2.4' }],
            },
          ],
        },
      },
    },
  });

  it('lists each service with its images and what changed since the release before, in the Markdown', () => {
    const md = notesMarkdown(withShipped());
    expect(md).toContain(
      [
        '## What shipped',
        '',
        'Candidate revision 3:',
        '',
        '- blog-service: reg/blog-migrate:2.4, reg/blog:2.4',
        '',
        'Changed since 2.3:',
        '',
        '- changed blog-service (preprod/blog): app: reg/blog:2.3 → reg/blog:2.4',
      ].join('\n'),
    );
    expect(md).toContain('- db: reg/db:7 allowed by UMANAGER1 2026-12-02 11:00 UTC: restore');
  });

  it('leaves the section out when no candidate was read', () => {
    expect(notesMarkdown(notes([]))).not.toContain('What shipped');
  });
});
