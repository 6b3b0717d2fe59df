import { describe, expect, it } from 'vitest';
import { groupTickets, type ReleaseNotes } from '../../../src/domain/release-notes.js';
import { notesParts } from '../../../src/slack/blocks/notes.js';

describe('the notes at ship in Slack', () => {
  it('carry a What shipped part and the changes since the release before', () => {
    const notes: ReleaseNotes = {
      version: '2.4',
      state: 'released',
      tickets: groupTickets([]),
      ticketsProblem: undefined,
      ticketUrl: (key) => `https://acme.atlassian.net/browse/${key}`,
      lateChanges: [],
      signoffs: [],
      whatShipped: {
        revision: 2,
        workloads: [
          {
            namespace: 'preprod',
            kind: 'StatefulSet',
            name: 'db',
            service: 'db',
            generation: 1,
            containers: [{ container: 'app', image: 'reg/db:<5>', init: false }],
          },
        ],
        since: { version: '2.3', diff: { added: [], removed: [], changed: [] } },
      },
    };
    const text = JSON.stringify(notesParts(notes).map((p) => p.blocks));
    expect(text).toContain('*What shipped* (revision 2, 1 service)');
    expect(text).toContain('• db: reg/db:&lt;5&gt;');
    expect(text).toContain('*Changed since 2.3*');
    expect(text).toContain('nothing');
  });
});
