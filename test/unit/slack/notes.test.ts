import { describe, expect, it } from 'vitest';
import type { ReleaseNotes } from '../../../src/domain/release-notes.js';
import { doneTicket, releasedNotes } from '../../support/notes-fixtures.js';
import { blockTextLength } from '../../../src/slack/blocks/fit.js';
import { linesAsMessages, notesParts, notesReply, reducedPart } from '../../../src/slack/blocks/notes.js';
import { messageRefusal } from '../../support/slack-limits.js';

function notes(tickets: number): ReleaseNotes {
  return releasedNotes(
    Array.from({ length: tickets }, (_, i) =>
      doneTicket(
        `BLOG-${i + 1}`,
        i % 2 === 0 ? 'Bug' : 'Story',
        `${'A long summary & <more> 👩‍💻 '.repeat(8)}${i}`,
      ),
    ),
  );
}

describe('the notes as Slack messages', () => {
  it('splits long lists into titled parts that Slack takes, each line once and in order', () => {
    const lines = Array.from({ length: 300 }, (_, i) => `• line ${i} ${'x'.repeat(100)}`);
    const parts = linesAsMessages('*Bugs* (300)', lines);
    expect(parts.map((p) => p.text)).toEqual([
      'Bugs (300), 1 of 4',
      'Bugs (300), 2 of 4',
      'Bugs (300), 3 of 4',
      'Bugs (300), 4 of 4',
    ]);
    for (const part of parts) {
      expect(messageRefusal(part as unknown as Record<string, unknown>)).toBeUndefined();
      expect(blockTextLength(part.blocks)).toBeLessThanOrEqual(10_000);
    }
    const shown = parts.flatMap((p) => JSON.stringify(p.blocks).match(/line \d+/g) ?? []);
    expect(shown).toEqual(lines.map((_, i) => `line ${i}`));
  });

  it('posts a summary, then each ticket type, the late changes and the sign-offs', () => {
    const parts = notesParts(notes(120), 'https://bot.example.com');
    expect(parts.map((p) => p.text.replace(/, \d of \d$/, ''))).toEqual([
      'Release notes of 2.4',
      'Bugs (60)',
      'Bugs (60)',
      'Stories (60)',
      'Stories (60)',
      'Late changes',
      'Sign-offs',
    ]);
    expect(JSON.stringify(parts[0]!.blocks)).toContain(
      '<https://bot.example.com/api/v1/releases/2.4/notes.md|notes.md>',
    );
  });

  it('answers /release notes with the start and where the rest is, within one message', () => {
    const reply = notesReply(notes(2000));
    expect(messageRefusal(reply as unknown as Record<string, unknown>)).toBeUndefined();
    const text = JSON.stringify(reply.blocks);
    expect(text).toContain('*2000 tickets*: 1000 bugs, 1000 stories');
    expect(text).toContain('`GET /api/v1/releases/2.4/notes.md` (with the gate token)');
  });

  it('makes a refused part smaller: halves first, then a pointer, then nothing', () => {
    const [, first] = notesParts(notes(120));
    const halves = reducedPart(first!, '2.4')!;
    expect(halves).toHaveLength(2);
    expect(halves.map((h) => h.blocks.length)).toEqual([
      Math.ceil((first!.blocks.length - 1) / 2) + 1,
      Math.floor((first!.blocks.length - 1) / 2) + 1,
    ]);
    const single = { text: 'Bugs (1)', blocks: [first!.blocks[0]!, first!.blocks[1]!] };
    const pointer = reducedPart(single, '2.4')!;
    expect(JSON.stringify(pointer)).toContain('Slack refused this part as too long');
    expect(reducedPart(pointer[0]!, '2.4')).toBeUndefined();
  });
});
