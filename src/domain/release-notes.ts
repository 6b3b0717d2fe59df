import { describeChange, imagesOf, type CandidateDiff, type CandidateWorkload } from './candidate.js';
import type { ScopeIssue } from './scope.js';

/** A change that reached pre-prod after the freeze: let through by the gate, or asked for as an exception. */
export type LateChange =
  | {
      kind: 'gate';
      service: string;
      issues: string[];
      commit: string | null;
      pipelineUrl: string | null;
      at: Date;
    }
  | {
      kind: 'exception';
      id: number;
      service: string;
      issueKey: string;
      reason: string;
      state: 'pending' | 'approved' | 'denied';
      requestedBy: string;
      decidedBy: string | null;
      at: Date;
    }
  | {
      kind: 'allowed';
      service: string;
      image: string;
      reason: string | null;
      actor: string;
      at: Date;
    };

/** The candidate as it shipped (its last revision), and what changed since the release shipped before it. */
export interface WhatShipped {
  revision: number;
  workloads: CandidateWorkload[];
  since: { version: string; diff: CandidateDiff } | undefined;
}

export interface SignoffRecord {
  voter: string;
  roles: string[];
  decision: 'approve' | 'reject';
  reason: string | null;
  revision: number;
  at: Date;
}

export const NOTE_GROUPS = ['Bug', 'Story', 'Task', 'Other'] as const;
export type NoteGroup = (typeof NOTE_GROUPS)[number];

export interface ReleaseNotes {
  version: string;
  state: string;
  /** Tickets by group, each sorted by key; undefined when Jira could not be read (see `ticketsProblem`). */
  tickets: Record<NoteGroup, ScopeIssue[]> | undefined;
  ticketsProblem: string | undefined;
  /** Where a ticket lives (Jira's browse URL). */
  ticketUrl: (key: string) => string;
  lateChanges: LateChange[];
  signoffs: SignoffRecord[];
  /** Undefined when no candidate was read from the cluster (FREEZE_NAMESPACES unset). */
  whatShipped?: WhatShipped;
}

/** One line per service: `blog-service: reg/blog:2.4 reg/blog-migrate:2.4`. */
export function shippedServiceLines(workloads: readonly CandidateWorkload[]): string[] {
  const images = new Map<string, Set<string>>();
  for (const w of workloads) {
    const set = images.get(w.service) ?? new Set<string>();
    for (const image of imagesOf(w)) set.add(image);
    images.set(w.service, set);
  }
  return [...images.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([service, set]) => `${service}: ${[...set].sort().join(', ')}`);
}

/** The lines of a candidate diff: added, removed, and changed with old → new images. */
export function diffLines(diff: CandidateDiff): string[] {
  return [
    ...diff.added.map((w) => `added ${w.service} (${w.namespace}/${w.name}): ${imagesOf(w).join(', ')}`),
    ...diff.removed.map((w) => `removed ${w.service} (${w.namespace}/${w.name})`),
    ...diff.changed.map(
      (c) => `changed ${c.service} (${c.namespace}/${c.name}): ${c.changes.map(describeChange).join('; ')}`,
    ),
  ];
}

export function groupTickets(issues: readonly ScopeIssue[]): Record<NoteGroup, ScopeIssue[]> {
  const groups: Record<NoteGroup, ScopeIssue[]> = { Bug: [], Story: [], Task: [], Other: [] };
  for (const issue of issues) {
    const group = (NOTE_GROUPS as readonly string[]).includes(issue.type)
      ? (issue.type as NoteGroup)
      : 'Other';
    groups[group].push(issue);
  }
  for (const group of NOTE_GROUPS) groups[group].sort((a, b) => compareKeys(a.key, b.key));
  return groups;
}

/** BLOG-9 before BLOG-10. */
function compareKeys(a: string, b: string): number {
  const [pa = '', na = '0'] = a.split('-');
  const [pb = '', nb = '0'] = b.split('-');
  return pa === pb ? Number(na) - Number(nb) : pa < pb ? -1 : 1;
}

const GROUP_TITLES: Record<NoteGroup, string> = {
  Bug: 'Bugs',
  Story: 'Stories',
  Task: 'Tasks',
  Other: 'Other',
};

export function groupTitle(group: NoteGroup): string {
  return GROUP_TITLES[group];
}

function utc(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Markdown that cannot be broken by what people typed into Jira or Slack. */
function md(text: string): string {
  return text.replace(/[\\`*_[\]<>|#]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ');
}

export function describeLateChange(change: LateChange): string {
  if (change.kind === 'gate') {
    const tickets = change.issues.length > 0 ? change.issues.join(', ') : 'no ticket';
    const commit = change.commit ? ` at ${change.commit.slice(0, 12)}` : '';
    return `${change.service}: ${tickets}${commit}, through the gate ${utc(change.at)}`;
  }
  if (change.kind === 'allowed') {
    return `${change.service}: ${change.image} allowed by ${change.actor} ${utc(change.at)}${change.reason ? `: ${change.reason}` : ''}`;
  }
  return `${change.service}: exception #${change.id} for ${change.issueKey} (${change.state}), asked ${utc(change.at)}: ${change.reason}`;
}

/** The notes as Markdown, for a changelog or a deploy pipeline. */
export function notesMarkdown(notes: ReleaseNotes): string {
  const lines: string[] = [`# Release ${md(notes.version)}`, '', `State: ${notes.state}.`, ''];
  if (!notes.tickets) {
    lines.push(`_Tickets not listed: ${md(notes.ticketsProblem ?? 'Jira is not connected')}._`, '');
  } else {
    for (const group of NOTE_GROUPS) {
      const issues = notes.tickets[group];
      if (issues.length === 0) continue;
      lines.push(`## ${groupTitle(group)}`, '');
      for (const issue of issues)
        lines.push(`- [${issue.key}](${notes.ticketUrl(issue.key)}) ${md(issue.summary)}`);
      lines.push('');
    }
  }
  lines.push('## Late changes', '');
  if (notes.lateChanges.length === 0) lines.push('None: nothing changed after the freeze.');
  for (const change of notes.lateChanges) {
    const line = md(describeLateChange(change));
    lines.push(
      change.kind === 'gate' && change.pipelineUrl
        ? `- ${line} ([pipeline](${change.pipelineUrl}))`
        : `- ${line}`,
    );
  }
  if (notes.whatShipped) {
    const shipped = notes.whatShipped;
    lines.push('', '## What shipped', '', `Candidate revision ${shipped.revision}:`, '');
    for (const line of shippedServiceLines(shipped.workloads)) lines.push(`- ${md(line)}`);
    if (shipped.since) {
      const changed = diffLines(shipped.since.diff);
      lines.push('', `Changed since ${md(shipped.since.version)}:`, '');
      if (changed.length === 0) lines.push('- nothing');
      for (const line of changed) lines.push(`- ${md(line)}`);
    }
  }
  lines.push('', '## Sign-offs', '');
  if (notes.signoffs.length === 0) lines.push('None yet.');
  for (const s of notes.signoffs) {
    const verdict = s.decision === 'approve' ? 'approved' : `rejected: ${md(s.reason ?? '')}`;
    lines.push(
      `- ${md(s.voter)} (${md(s.roles.join(', '))}) ${verdict}, revision ${s.revision}, ${utc(s.at)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A short plain-text form for a Jira version's description: the tickets by group, cut to `limitBytes`
 * (UTF-8) with a pointer to the full notes when it does not fit.
 */
export function notesShortForm(notes: ReleaseNotes, limitBytes: number, fullNotesAt: string): string {
  const lines: string[] = [];
  if (notes.tickets) {
    for (const group of NOTE_GROUPS) {
      const issues = notes.tickets[group];
      if (issues.length === 0) continue;
      lines.push(`${groupTitle(group)}: ${issues.map((i) => `${i.key} ${i.summary}`).join('; ')}`);
    }
  }
  lines.push(`Late changes: ${notes.lateChanges.length}. Full notes: ${fullNotesAt}`);
  const full = lines.join('\n');
  if (Buffer.byteLength(full) <= limitBytes) return full;
  const tail = `\n… cut to fit Jira. Full notes: ${fullNotesAt}`;
  return `${cutToBytes(full, limitBytes - Buffer.byteLength(tail))}${tail}`;
}

/** The longest prefix of `text` within `bytes` of UTF-8, never splitting a character. */
export function cutToBytes(text: string, bytes: number): string {
  const encoded = Buffer.from(text);
  if (encoded.length <= bytes) return text;
  let end = Math.max(0, bytes);
  // Step back over continuation bytes (10xxxxxx) to the start of a character.
  while (end > 0 && (encoded[end]! & 0xc0) === 0x80) end--;
  return encoded.subarray(0, end).toString('utf8');
}

/** Jira Cloud refuses a version description over this many bytes. */
export const JIRA_DESCRIPTION_LIMIT_BYTES = 16_384;

/** One CSV field per RFC 4180, and never a formula when a spreadsheet opens it. */
export function csvField(value: string | number | null | undefined): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(fields: readonly (string | number | null | undefined)[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}
