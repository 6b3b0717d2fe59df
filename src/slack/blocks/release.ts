import type { AuditRow, ReleaseRow } from '../../db/releases.js';
import { describeState, isFrozen } from '../../domain/release.js';
import type { SignoffTally } from '../../domain/signoff.js';
import type { ReleaseView } from '../../use-cases/release-view.js';
import { ActionIds } from '../ids.js';
import {
  actions,
  context,
  divider,
  escapeText,
  header,
  mention,
  section,
  slackDate,
  textReply,
  type Block,
  type Reply,
} from './kit.js';

const STATE_EMOJI: Record<ReleaseRow['state'], string> = {
  planned: ':spiral_calendar_pad:',
  frozen: ':snowflake:',
  signed_off: ':white_check_mark:',
  released: ':rocket:',
  cancelled: ':no_entry_sign:',
};

export function freezeRule(version: string): string {
  return `From now on only bug fixes that belong to *${escapeText(version)}* may change services in pre-prod.`;
}

export const RELEASE_HELP: readonly [string, string][] = [
  [
    'create <version> [freeze=YYYY-MM-DD[ HH:MM][ Zone/Name]] [ship=…] [jira=create]',
    'plan a release; it freezes by itself at the freeze time',
  ],
  ['schedule <version> [freeze=…] [ship=…]', 'move the freeze or ship time'],
  ['calendar', 'upcoming freezes and ships'],
  ['remind <version>', 'DM everyone whose sign-off is missing, now'],
  ['notes <version>', 'release notes: tickets by type, late changes, sign-offs'],
  ['freeze <version> [note]', 'freeze the candidate and open sign-off'],
  ['unfreeze <version> [reason]', 'lift the freeze, back to planned'],
  ['cancel <version> <reason>', 'cancel an open release'],
  ['ship <version>', 'ship a signed-off release'],
  ['status [<version>]', 'one release in detail, or every open one'],
  ['list', 'all releases, newest first'],
  ['log <version> [page=N]', 'the audit trail'],
  ['scope <version> [page=N]', 'every Jira ticket in the release'],
  ['jira-sync <version>', 'retry marking the Jira versions released'],
  ['role set <name> <members…> [quorum=N]', 'define a sign-off role'],
  ['role remove <name>', 'remove a sign-off role'],
  ['role list', 'sign-off roles and their members'],
  ['exception <version> <ISSUE-KEY> <service> <reason>', 'ask to let a change through the freeze'],
  ['exceptions <version>', 'freeze exceptions of a release'],
  ['help', 'this list'],
];

export function releaseHelp(): Reply {
  const lines = RELEASE_HELP.map(([usage, what]) => `\`/release ${usage}\` ${what}`);
  return {
    text: 'How to use /release',
    blocks: [
      section('*`/release`: release coordination*'),
      section(lines.join('\n')),
      context('Release managers create, freeze, unfreeze, cancel and ship; everyone can read.'),
    ],
  };
}

export function tallyLines(tally: SignoffTally): string[] {
  const lines = tally.roles.map((role) => {
    const who = role.approvedBy.map(mention).join(', ');
    const status = role.missing === 0 ? ':white_check_mark:' : ':hourglass_flowing_sand:';
    const missing = role.missing > 0 ? ` · ${role.missing} more needed` : '';
    return `${status} *${role.role}* ${role.approvedBy.length}/${role.quorum}${who ? ` (${who})` : ''}${missing}`;
  });
  if (tally.roles.length === 0)
    lines.push(':warning: No sign-off roles were configured when this release was frozen.');
  for (const rejection of tally.rejections) {
    lines.push(`:x: ${mention(rejection.voter)} rejected: _${escapeText(rejection.reason ?? '')}_`);
  }
  if (tally.stale.length > 0) {
    lines.push(
      `:hourglass: Stale (given for an earlier revision, no longer counted): ${tally.stale.map((v) => mention(v.voter)).join(', ')}`,
    );
  }
  return lines;
}

export function announcementMessage(view: ReleaseView, extraBlocks: Block[] = []): Reply {
  const { release, tally } = view;
  const frozenBlocks: Block[] = [];
  if (isFrozen(release.state)) {
    frozenBlocks.push(section(`*The rule:* ${freezeRule(release.version)}`));
  }
  const blocks: Block[] = [
    header(`${release.version}: ${describeState(release.state)}`),
    section(
      `${STATE_EMOJI[release.state]} Release *${escapeText(release.version)}* is *${describeState(release.state)}*.` +
        (release.shipAt ? ` Planned ship: ${slackDate(release.shipAt)}.` : ''),
    ),
    ...frozenBlocks,
    ...extraBlocks,
  ];
  if (tally) {
    blocks.push(
      divider(),
      section(`*Sign-off* (revision ${release.revision})\n${tallyLines(tally).join('\n')}`),
    );
  }
  if (isFrozen(release.state)) {
    const value = `${release.id}:${release.revision}`;
    blocks.push(
      actions(`signoff:${release.id}`, [
        { text: 'Approve', actionId: ActionIds.approve, value, style: 'primary' },
        { text: 'Reject', actionId: ActionIds.reject, value, style: 'danger' },
        { text: 'Withdraw my vote', actionId: ActionIds.withdraw, value },
        ...(release.state === 'signed_off'
          ? [
              {
                text: 'Ship',
                actionId: ActionIds.ship,
                value: String(release.id),
                style: 'primary' as const,
                confirm: {
                  title: `Ship ${release.version}?`,
                  text: 'This marks the release released and lifts the freeze.',
                  confirm: 'Ship it',
                },
              },
            ]
          : []),
      ]),
    );
  }
  blocks.push(
    context(`Last change ${slackDate(release.updatedAt)} · created by ${mention(release.createdBy)}`),
  );
  return { text: `Release ${release.version} is ${describeState(release.state)}`, blocks };
}

/** What an announcement that was posted again turns into: no buttons, a pointer to the new one. */
export function announcementMovedMessage(release: ReleaseRow): Reply {
  const where = release.announcementPermalink
    ? `<${release.announcementPermalink}|here>`
    : `in <#${release.announcementChannel ?? ''}>`;
  return {
    text: `The announcement of ${release.version} moved`,
    blocks: [
      section(
        `:arrow_heading_down: The announcement of *${escapeText(release.version)}* moved ${where}. Vote there.`,
      ),
    ],
  };
}

export function freezeAnnouncementIntro(release: ReleaseRow, actor: string, note: string | undefined): Block {
  const who = actor === 'schedule' ? ':alarm_clock: The release calendar' : mention(actor);
  return section(
    `${who} froze *${escapeText(release.version)}* ${slackDate(release.updatedAt)}.` +
      (note ? `\n> ${escapeText(note)}` : ''),
  );
}

export function releaseStatusReply(view: ReleaseView, extraBlocks: Block[] = []): Reply {
  const { release } = view;
  const facts = [
    `*State:* ${describeState(release.state)}`,
    release.freezeAt
      ? `*Freeze:* ${slackDate(release.freezeAt)}${release.state === 'planned' ? ' (it freezes by itself then)' : ''}`
      : undefined,
    release.shipAt ? `*Ship:* ${slackDate(release.shipAt)}` : undefined,
    isFrozen(release.state) ? `*Revision:* ${release.revision}` : undefined,
    `*Live developer environments:* ${view.liveDevenvs}`,
  ].filter(Boolean);
  const blocks: Block[] = [header(`Release ${release.version}`), section(facts.join('\n')), ...extraBlocks];
  if (view.tally) blocks.push(section(`*Sign-off*\n${tallyLines(view.tally).join('\n')}`));
  if (release.announcementChannel && release.announcementTs) {
    blocks.push(context(`Announced in <#${release.announcementChannel}>`));
  }
  return { text: `Release ${release.version}: ${describeState(release.state)}`, blocks };
}

export function openReleasesReply(views: ReleaseView[], liveDevenvs: number): Reply {
  if (views.length === 0) {
    return textReply(
      `No open releases. \`/release create <version>\` plans one.\nLive developer environments: ${liveDevenvs}`,
    );
  }
  const lines = views.map(({ release, tally }) => {
    const signoff = tally ? ` · sign-off ${tally.complete ? 'complete' : 'pending'}` : '';
    return `${STATE_EMOJI[release.state]} *${escapeText(release.version)}* ${describeState(release.state)}${signoff}`;
  });
  return {
    text: 'Open releases',
    blocks: [
      section(`*Open releases*\n${lines.join('\n')}`),
      context(`Live developer environments: ${liveDevenvs}`),
    ],
  };
}

export function releaseListReply(rows: ReleaseRow[]): Reply {
  if (rows.length === 0) return textReply('No releases yet. `/release create <version>` plans one.');
  const shown = rows.slice(0, 40);
  const lines = shown.map(
    (r) =>
      `${STATE_EMOJI[r.state]} *${escapeText(r.version)}* ${describeState(r.state)} · created ${slackDate(r.createdAt)}`,
  );
  const more =
    rows.length > shown.length ? [context(`and ${rows.length - shown.length} older releases`)] : [];
  return { text: 'Releases', blocks: [section(`*Releases, newest first*\n${lines.join('\n')}`), ...more] };
}

export const AUDIT_PAGE_SIZE = 20;

export function auditLogReply(
  release: ReleaseRow,
  rows: AuditRow[],
  page: number,
  totalPages: number,
): Reply {
  if (rows.length === 0) return textReply(`No audit entries for ${release.version} on page ${page}.`);
  const lines = rows.map((row) => {
    const move = row.fromState || row.toState ? ` ${row.fromState ?? '∅'} → ${row.toState ?? '∅'}` : '';
    const detail = row.detail ? `: ${escapeText(row.detail)}` : '';
    const command = row.commandText ? ` \`${escapeText(row.commandText).slice(0, 200)}\`` : '';
    return `${slackDate(row.at)} ${mention(row.actor)} *${row.action}*${move}${detail}${command}`;
  });
  const blocks: Block[] = [
    section(`*Audit log of ${escapeText(release.version)}* (page ${page} of ${totalPages}, newest first)`),
    ...chunk(lines, 5).map((group) => section(group.join('\n'))),
  ];
  if (page < totalPages) {
    blocks.push(context(`Older entries: \`/release log ${release.version} page=${page + 1}\``));
  }
  return { text: `Audit log of ${release.version}`, blocks };
}

export function voteLine(
  voter: string,
  vote: { decision: 'approve' | 'reject' | 'withdrawn'; roles: string[]; reason: string | null },
): string {
  if (vote.decision === 'approve')
    return `:heavy_check_mark: ${mention(voter)} approved (${vote.roles.join(', ')})`;
  if (vote.decision === 'reject') return `:x: ${mention(voter)} rejected: _${escapeText(vote.reason ?? '')}_`;
  return `:leftwards_arrow_with_hook: ${mention(voter)} withdrew their vote`;
}

function chunk<T>(items: T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}
