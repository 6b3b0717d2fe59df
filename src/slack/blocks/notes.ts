import {
  describeLateChange,
  diffLines,
  groupTitle,
  shippedServiceLines,
  NOTE_GROUPS,
  type LateChange,
  type ReleaseNotes,
} from '../../domain/release-notes.js';
import { countServices } from '../../domain/candidate.js';
import { blockTextLength, cutSafely, link, packLines, SLACK_LIMITS } from './fit.js';
import { context, escapeText, header, mention, section, slackDate, type Block, type Reply } from './kit.js';

/** A part of the notes posted at ship: few enough blocks and characters that Slack takes it whole. */
const PART_BLOCKS = 40;
const PART_TEXT = SLACK_LIMITS.messageBlockText;
/** Summaries longer than this are cut (safely): the notes list tickets, Jira holds their text. */
const SUMMARY_SHOWN = 150;

export function ticketLine(notes: ReleaseNotes, issue: { key: string; summary: string }): string {
  return `• ${link(notes.ticketUrl(issue.key), issue.key)} ${cutSafely(escapeText(issue.summary), SUMMARY_SHOWN)}`;
}

export function lateChangeLine(change: LateChange): string {
  const text = cutSafely(escapeText(describeLateChange(change)), 400);
  return change.kind === 'gate' && change.pipelineUrl
    ? `• ${text} (${link(change.pipelineUrl)})`
    : `• ${text}`;
}

function signoffLine(s: ReleaseNotes['signoffs'][number]): string {
  const verdict =
    s.decision === 'approve' ? 'approved' : `rejected: _${cutSafely(escapeText(s.reason ?? ''), 300)}_`;
  return `• ${mention(s.voter)} ${verdict} (${escapeText(s.roles.join(', '))}) on revision ${s.revision}, ${slackDate(s.at)}`;
}

/**
 * Lines under one title as as many messages as they need, each within `PART_BLOCKS` blocks and
 * `PART_TEXT` characters, titled "Bugs (150), 2 of 3" when there is more than one.
 */
export function linesAsMessages(title: string, lines: readonly string[]): Reply[] {
  const sections = packLines(lines, SLACK_LIMITS.sectionText);
  const titleRoom = title.length + 16;
  const groups: string[][] = [];
  let current: string[] = [];
  let chars = titleRoom;
  for (const text of sections) {
    if (current.length > 0 && (current.length + 1 >= PART_BLOCKS || chars + text.length > PART_TEXT)) {
      groups.push(current);
      current = [];
      chars = titleRoom;
    }
    current.push(text);
    chars += text.length;
  }
  if (current.length > 0 || groups.length === 0) groups.push(current);
  return groups.map((group, i) => {
    const heading = groups.length > 1 ? `${title}, ${i + 1} of ${groups.length}` : title;
    const plain = heading.replace(/[*_]/g, '');
    return { text: plain, blocks: [section(heading), ...group.map(section)] };
  });
}

function summaryLine(notes: ReleaseNotes): string {
  const tickets = notes.tickets
    ? NOTE_GROUPS.filter((g) => notes.tickets![g].length > 0)
        .map((g) => `${notes.tickets![g].length} ${groupTitle(g).toLowerCase()}`)
        .join(', ') || 'no tickets'
    : `tickets not listed: ${escapeText(notes.ticketsProblem ?? 'Jira is not connected')}`;
  const total = notes.tickets ? NOTE_GROUPS.reduce((n, g) => n + notes.tickets![g].length, 0) : 0;
  return (
    `${notes.tickets ? `*${total} tickets*: ${tickets}` : `_${tickets[0]!.toUpperCase()}${tickets.slice(1)}._`}` +
    ` · ${notes.lateChanges.length} late change${notes.lateChanges.length === 1 ? '' : 's'}` +
    ` · ${notes.signoffs.length} sign-off${notes.signoffs.length === 1 ? '' : 's'}`
  );
}

/** Where the whole notes are, as a link when the bot knows its public address. */
export function fullNotesPointer(version: string, publicUrl: string | undefined): string {
  const path = `/api/v1/releases/${encodeURIComponent(version)}/notes.md`;
  return publicUrl
    ? `${link(`${publicUrl}${path}`, 'notes.md')} (with the gate token)`
    : `\`GET ${path}\` (with the gate token)`;
}

/**
 * The notes posted in the thread at ship, in full: a summary, then one message (or more) per ticket type,
 * the late changes and the sign-offs. Each is its own outbox step, so a retry never repeats one.
 */
export function notesParts(notes: ReleaseNotes, publicUrl?: string): Reply[] {
  const parts: Reply[] = [
    {
      text: `Release notes of ${notes.version}`,
      blocks: [
        header(`Release notes: ${notes.version}`),
        section(summaryLine(notes)),
        context(`As Markdown: ${fullNotesPointer(notes.version, publicUrl)}`),
      ],
    },
  ];
  if (notes.tickets) {
    for (const group of NOTE_GROUPS) {
      const issues = notes.tickets[group];
      if (issues.length === 0) continue;
      parts.push(
        ...linesAsMessages(
          `*${groupTitle(group)}* (${issues.length})`,
          issues.map((i) => ticketLine(notes, i)),
        ),
      );
    }
  }
  parts.push(
    ...(notes.lateChanges.length === 0
      ? [{ text: 'Late changes', blocks: [section('*Late changes:* none since the freeze.')] }]
      : linesAsMessages(
          `*Late changes* (${notes.lateChanges.length} since the freeze)`,
          notes.lateChanges.map(lateChangeLine),
        )),
    ...whatShippedParts(notes),
    ...linesAsMessages('*Sign-offs*', notes.signoffs.length > 0 ? notes.signoffs.map(signoffLine) : ['none']),
  );
  return parts;
}

function whatShippedParts(notes: ReleaseNotes): Reply[] {
  const shipped = notes.whatShipped;
  if (!shipped) return [];
  const services = shippedServiceLines(shipped.workloads).map((l) => `• ${escapeText(l)}`);
  const changed = shipped.since ? diffLines(shipped.since.diff).map((l) => `• ${escapeText(l)}`) : [];
  const since = shipped.since
    ? linesAsMessages(
        `*Changed since ${escapeText(shipped.since.version)}*`,
        changed.length > 0 ? changed : ['nothing'],
      )
    : [];
  return [
    ...linesAsMessages(
      `*What shipped* (revision ${shipped.revision}, ${plural(countServices(shipped.workloads), 'service')})`,
      services.length > 0 ? services : ['no workloads'],
    ),
    ...since,
  ];
}

/**
 * A part Slack refused as too long, made smaller: its sections split over two parts, or, for a part of one
 * section, a pointer to the full notes. Undefined when there is nothing smaller to send.
 */
export function reducedPart(part: Reply, version: string, publicUrl?: string): Reply[] | undefined {
  const [title, ...rest] = part.blocks;
  if (rest.length >= 2) {
    const half = Math.ceil(rest.length / 2);
    return [
      { text: part.text, blocks: [title!, ...rest.slice(0, half)] },
      { text: `${part.text} (continued)`, blocks: [title!, ...rest.slice(half)] },
    ];
  }
  const pointer = `_Slack refused this part as too long._ It is in the full notes: ${fullNotesPointer(version, publicUrl)}`;
  if (blockTextLength(part.blocks) <= pointer.length + 200) return undefined;
  return [{ text: part.text, blocks: [title!, section(pointer)] }];
}

/** How many of the notes' first parts `/release notes` shows before pointing at the rest. */
const REPLY_TEXT = SLACK_LIMITS.messageBlockText - 1_000;

/**
 * `/release notes`: the summary and as much of the notes as one message carries, then where the rest is.
 */
export function notesReply(notes: ReleaseNotes, publicUrl?: string): Reply {
  const parts = notesParts(notes, publicUrl);
  const blocks: Block[] = [...parts[0]!.blocks];
  let chars = blockTextLength(blocks);
  let shownParts = 1;
  let cutInside = false;
  for (const part of parts.slice(1)) {
    const room = PART_BLOCKS - blocks.length - 1;
    const size = blockTextLength(part.blocks);
    if (part.blocks.length <= room && chars + size <= REPLY_TEXT) {
      blocks.push(...part.blocks);
      chars += size;
      shownParts += 1;
      continue;
    }
    // Take the whole sections of this part that still fit, then stop.
    for (const block of part.blocks) {
      const n = blockTextLength(block);
      if (blocks.length >= PART_BLOCKS - 1 || chars + n > REPLY_TEXT) break;
      blocks.push(block);
      chars += n;
      cutInside = true;
    }
    break;
  }
  const left = parts.length - shownParts;
  if (left > 0 || cutInside) {
    blocks.push(
      context(
        `That is the start. All of it is posted in the release thread at ship, and here: ${fullNotesPointer(notes.version, publicUrl)}`,
      ),
    );
  }
  return { text: `Release notes of ${notes.version}`, blocks };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
