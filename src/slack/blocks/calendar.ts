import {
  describeLateChange,
  groupTitle,
  NOTE_GROUPS,
  type LateChange,
  type ReleaseNotes,
} from '../../domain/release-notes.js';
import type { CalendarEntry } from '../../use-cases/release-calendar.js';
import { ActionIds } from '../ids.js';
import {
  actions,
  context,
  escapeText,
  header,
  mention,
  section,
  slackDate,
  textReply,
  type Block,
  type Reply,
} from './kit.js';

/** Upcoming freezes and ships, in each reader's own zone (Slack renders the dates). */
export function calendarLines(entries: readonly CalendarEntry[], limit: number): string[] {
  const lines = entries.slice(0, limit).map((e) => {
    const icon = e.what === 'freeze' ? ':snowflake:' : ':rocket:';
    const overdue = e.overdue ? ' · _overdue_' : '';
    return `${icon} ${slackDate(e.at)} *${escapeText(e.release.version)}* ${e.what}s${overdue}`;
  });
  if (entries.length > limit) lines.push(`and ${entries.length - limit} more: \`/release calendar\``);
  return lines;
}

export function calendarReply(entries: readonly CalendarEntry[]): Reply {
  if (entries.length === 0) {
    return textReply(
      'Nothing on the calendar. `/release create 2.5 freeze=2026-12-01 ship=2026-12-08` plans a release with dates.',
    );
  }
  const lines = calendarLines(entries, 40);
  return {
    text: 'Release calendar',
    blocks: [section(`*Release calendar* (times in your own zone)\n${lines.join('\n')}`)],
  };
}

/** Late changes as mrkdwn lines, newest last; at most `limit`, then where to see them all. */
export function lateChangeLines(changes: readonly LateChange[], version: string, limit: number): string[] {
  const shown = changes.slice(-limit).map((change) => {
    const text = escapeText(describeLateChange(change));
    return change.kind === 'gate' && change.pipelineUrl && /^https?:\/\//.test(change.pipelineUrl)
      ? `• ${text} (<${change.pipelineUrl}|pipeline>)`
      : `• ${text}`;
  });
  if (changes.length > limit)
    shown.unshift(`_${changes.length - limit} earlier: \`/release notes ${version}\`_`);
  return shown;
}

export function lateChangesSection(changes: readonly LateChange[], version: string, limit = 5): Block {
  return section(
    changes.length === 0
      ? '*Late changes:* none since the freeze.'
      : `*Late changes* (${changes.length} since the freeze)\n${lateChangeLines(changes, version, limit).join('\n')}`,
  );
}

/** Slack allows 50 blocks in a message; the notes stop well before and say where the rest is. */
const NOTES_MAX_BLOCKS = 45;
const TICKETS_PER_SECTION = 25;

export function notesReply(notes: ReleaseNotes): Reply {
  const blocks: Block[] = [header(`Release notes: ${notes.version}`)];
  if (!notes.tickets) {
    blocks.push(
      section(`_Tickets not listed: ${escapeText(notes.ticketsProblem ?? 'Jira is not connected')}._`),
    );
  } else {
    for (const group of NOTE_GROUPS) {
      const issues = notes.tickets[group];
      if (issues.length === 0) continue;
      for (let i = 0; i < issues.length; i += TICKETS_PER_SECTION) {
        const lines = issues
          .slice(i, i + TICKETS_PER_SECTION)
          .map((issue) => `• <${notes.ticketUrl(issue.key)}|${issue.key}> ${escapeText(issue.summary)}`);
        blocks.push(
          section(`${i === 0 ? `*${groupTitle(group)}* (${issues.length})\n` : ''}${lines.join('\n')}`),
        );
      }
    }
  }
  blocks.push(lateChangesSection(notes.lateChanges, notes.version, 20));
  const signoffs = notes.signoffs.map(
    (s) =>
      `• ${mention(s.voter)} ${s.decision === 'approve' ? 'approved' : `rejected: _${escapeText(s.reason ?? '')}_`} (${escapeText(s.roles.join(', '))}) on revision ${s.revision}, ${slackDate(s.at)}`,
  );
  blocks.push(section(`*Sign-offs*\n${signoffs.length > 0 ? signoffs.join('\n') : 'none yet'}`));
  if (blocks.length > NOTES_MAX_BLOCKS) {
    const cut = blocks.length - NOTES_MAX_BLOCKS + 1;
    blocks.splice(NOTES_MAX_BLOCKS - 3, cut);
    blocks.splice(
      NOTES_MAX_BLOCKS - 3,
      0,
      context('The ticket list is cut here: `GET /api/v1/releases/<version>/notes.md` has all of it.'),
    );
  }
  return { text: `Release notes of ${notes.version}`, blocks };
}

/** The sign-off reminder DM: what is awaited, with the same buttons as the announcement. */
export function signoffReminderMessage(input: {
  release: { id: number; version: string; revision: number; announcementPermalink: string | null };
  roles: string[];
  cause: 'scheduled' | 'ship' | 'manual';
  shipAt: Date | null;
}): Reply {
  const { release } = input;
  const ship = input.shipAt ? ` It is planned to ship ${slackDate(input.shipAt)}.` : '';
  const lead =
    input.cause === 'ship'
      ? `:alarm_clock: *${escapeText(release.version)}* ships soon and still waits for your sign-off`
      : `:wave: *${escapeText(release.version)}* (revision ${release.revision}) waits for your sign-off`;
  const where = release.announcementPermalink
    ? ` <${release.announcementPermalink}|The announcement> has the details.`
    : '';
  const text = `${lead} as ${escapeText(input.roles.join(', '))}.${ship}${where}`;
  const value = `${release.id}:${release.revision}`;
  return {
    text,
    blocks: [
      section(text),
      actions(`signoff:${release.id}`, [
        { text: 'Approve', actionId: ActionIds.approve, value, style: 'primary' },
        { text: 'Reject', actionId: ActionIds.reject, value, style: 'danger' },
      ]),
    ],
  };
}
