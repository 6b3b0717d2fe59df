import type { LateChange } from '../../domain/release-notes.js';
import type { CalendarEntry } from '../../use-cases/release-calendar.js';
import { ActionIds } from '../ids.js';
import {
  actions,
  context,
  escapeText,
  section,
  slackDate,
  textReply,
  type Block,
  type Reply,
} from './kit.js';
import { fitLines, packLines, SLACK_LIMITS } from './fit.js';
import { lateChangeLine } from './notes.js';

function calendarLine(e: CalendarEntry): string {
  const icon = e.what === 'freeze' ? ':snowflake:' : ':rocket:';
  const overdue = e.overdue ? ' · _overdue_' : '';
  return `${icon} ${slackDate(e.at)} *${escapeText(e.release.version)}* ${e.what}s${overdue}`;
}

/** Upcoming freezes and ships, in each reader's own zone (Slack renders the dates). */
export function calendarLines(entries: readonly CalendarEntry[], limit: number): string[] {
  const lines = entries.slice(0, limit).map(calendarLine);
  if (entries.length > limit) lines.push(`and ${entries.length - limit} more: \`/release calendar\``);
  return lines;
}

export const CALENDAR_PAGE_SIZE = 25;

export function calendarReply(entries: readonly CalendarEntry[], page = 1): Reply {
  if (entries.length === 0) {
    return textReply(
      'Nothing on the calendar. `/release create 2.5 freeze=2026-12-01 ship=2026-12-08` plans a release with dates.',
    );
  }
  const pages = Math.ceil(entries.length / CALENDAR_PAGE_SIZE);
  const shown = entries.slice((page - 1) * CALENDAR_PAGE_SIZE, page * CALENDAR_PAGE_SIZE);
  if (shown.length === 0)
    return textReply(
      `The calendar has ${pages} page${pages === 1 ? '' : 's'}: try \`/release calendar page=${pages}\`.`,
    );
  const after = entries.length - (page - 1) * CALENDAR_PAGE_SIZE - shown.length;
  const lines = shown.map(calendarLine);
  const sections = packLines(
    [`*Release calendar* (times in your own zone${pages > 1 ? `, page ${page} of ${pages}` : ''})`, ...lines],
    SLACK_LIMITS.sectionText,
  ).map(section);
  return {
    text: 'Release calendar',
    blocks: [
      ...sections,
      ...(after > 0 ? [context(`and ${after} more: \`/release calendar page=${page + 1}\``)] : []),
    ],
  };
}

export function lateChangesSection(changes: readonly LateChange[], version: string, limit = 5): Block {
  if (changes.length === 0) return section('*Late changes:* none since the freeze.');
  const { text } = fitLines([...changes].reverse().map(lateChangeLine), {
    limit: SLACK_LIMITS.sectionText,
    maxLines: limit,
    head: `*Late changes* (${changes.length} since the freeze)`,
    more: (hidden) => `_and ${hidden} earlier: \`/release notes ${version}\`_`,
  });
  return section(text);
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
