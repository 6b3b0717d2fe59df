// One cohesive thing, kept whole: the Block Kit of a release (announcement, status, log, list).
import type { AuditPage } from '../../use-cases/release-view.js';
import type { ReleaseRow } from '../../db/releases.js';
import { describeState, isFrozen } from '../../domain/release.js';
import type { SignoffTally } from '../../domain/signoff.js';
import type { ReleaseView } from '../../use-cases/release-view.js';
import { ActionIds } from '../ids.js';
import {
  actions,
  context,
  divider,
  escapeText,
  fieldsSection,
  header,
  mention,
  section,
  slackDate,
  textReply,
  type Block,
  type Reply,
} from './kit.js';
import { cutSafely, fitLines, link, packLines, SLACK_LIMITS } from './fit.js';

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
  ['calendar [page=N]', 'upcoming freezes and ships'],
  ['remind <version>', 'DM everyone whose sign-off is missing, now'],
  ['notes <version>', 'release notes: tickets by type, late changes, sign-offs'],
  ['freeze <version> [note]', 'freeze the candidate and open sign-off'],
  ['unfreeze <version> [reason]', 'lift the freeze, back to planned'],
  ['cancel <version> <reason>', 'cancel an open release'],
  ['ship <version>', 'ship a signed-off release'],
  ['status [<version>]', 'one release in detail, or every open one'],
  ['list', 'all releases, newest first'],
  ['log <version> [page=N|before=<id>|oldest]', 'the audit trail, newest first'],
  ['scope <version> [page=N]', 'every Jira ticket in the release'],
  ['jira-sync <version>', 'retry marking the Jira versions released'],
  ['role set <name> <members…> [quorum=N]', 'define a sign-off role'],
  ['role remove <name>', 'remove a sign-off role'],
  ['role list', 'sign-off roles and their members'],
  ['candidate <version> [revision]', 'the release candidate as pre-prod runs it: service → images'],
  ['diff <from> <to>', 'services added, removed and changed between two releases (or 2.4@1 2.4@3)'],
  [
    'exception <version> <ISSUE-KEY> <service> <reason> [image=<ref>]',
    'ask to let a change (and its images) through the freeze',
  ],
  ['allow [<version>] <service> <image> <reason>', 'admit one image into the frozen release by hand'],
  ['outbox [retry]', 'what waits to reach Slack or Jira, what failed and why; retry queues the failed again'],
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

/**
 * Characters the role lines may take together: approvers are named while their role's share lasts, then
 * counted, so twelve roles of big groups still fit one message beside the rest of the announcement.
 */
const ROLE_LINES_BUDGET = 4_800;
/** Up to this many roles read best as lines; more go in two-column fields. */
const ROLES_AS_LINES = 6;

function roleLine(role: SignoffTally['roles'][number], budget: number): string {
  const status = role.missing === 0 ? ':white_check_mark:' : ':hourglass_flowing_sand:';
  const missing = role.missing > 0 ? ` · ${role.missing} more needed` : '';
  const lead = `${status} *${cutSafely(escapeText(role.role), 60)}* ${role.approvedBy.length}/${role.quorum}`;
  if (role.approvedBy.length === 0) return `${lead}${missing}`;
  const who = fitLines(role.approvedBy.map(mention), {
    limit: Math.max(40, budget - lead.length - missing.length - 3),
    separator: ', ',
    more: (n) => `+${n}`,
  }).text;
  return `${lead} (${who})${missing}`;
}

function rejectionLine(rejection: SignoffTally['rejections'][number]): string {
  return `:x: ${mention(rejection.voter)} rejected: _${cutSafely(escapeText(rejection.reason ?? ''), 300)}_`;
}

/**
 * The whole tally: rejections first (they decide the release), then every role, one line each, in
 * fields when there are many. Nothing is ever cut away: each block stays within Slack's limits on its own.
 */
export function tallyBlocks(tally: SignoffTally, title: string): Block[] {
  const lead = [title, ...tally.rejections.map(rejectionLine)];
  if (tally.roles.length === 0)
    lead.push(':warning: No sign-off roles were configured when this release was frozen.');
  const blocks: Block[] = packLines(lead, SLACK_LIMITS.sectionText).map(section);
  const share = Math.max(200, Math.floor(ROLE_LINES_BUDGET / Math.max(1, tally.roles.length)));
  const roles = tally.roles.map((role) => roleLine(role, share));
  if (roles.length <= ROLES_AS_LINES) blocks.push(...packLines(roles, SLACK_LIMITS.sectionText).map(section));
  else {
    for (let i = 0; i < roles.length; i += SLACK_LIMITS.sectionFields)
      blocks.push(fieldsSection(roles.slice(i, i + SLACK_LIMITS.sectionFields)));
  }
  if (tally.stale.length > 0) {
    const head = ':hourglass: Stale (given for an earlier revision, no longer counted): ';
    const voters = fitLines(
      tally.stale.map((v) => mention(v.voter)),
      { limit: SLACK_LIMITS.contextText - head.length, separator: ', ', more: (n) => `and ${n} more` },
    );
    blocks.push(context(`${head}${voters.text}`));
  }
  return blocks;
}

export function announcementMessage(view: ReleaseView, extraBlocks: Block[] = []): Reply {
  const { release, tally } = view;
  const frozenBlocks: Block[] = [];
  if (isFrozen(release.state)) {
    frozenBlocks.push(section(`*The rule:* ${freezeRule(release.version)}`));
    if (view.candidate)
      frozenBlocks.push(section(candidateLine(release.version, release.revision, view.candidate)));
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
    blocks.push(divider(), ...tallyBlocks(tally, `*Sign-off* (revision ${release.revision})`));
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

export function freezeAnnouncementIntro(
  release: ReleaseRow,
  actor: string,
  note: string | undefined,
  at: Date,
): Block {
  const who = actor === 'schedule' ? ':alarm_clock: The release calendar' : mention(actor);
  return section(
    `${who} froze *${escapeText(release.version)}* ${slackDate(at)}.` +
      (note ? `\n> ${cutSafely(escapeText(note).replace(/\n/g, '\n> '), 1500)}` : ''),
  );
}

/** "RC: 42 services in preprod": the candidate read from the cluster, and the command that lists it. */
export function candidateLine(
  version: string,
  revision: number,
  candidate: { services: number; namespaces: string[] },
): string {
  const where =
    candidate.namespaces.length <= 3
      ? candidate.namespaces.join(', ')
      : `${candidate.namespaces.length} namespaces`;
  return `*RC:* ${candidate.services} service${candidate.services === 1 ? '' : 's'} in ${escapeText(where)} (revision ${revision}): \`/release candidate ${escapeText(version)}\` lists them.`;
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
    isFrozen(release.state) && view.candidate
      ? candidateLine(release.version, release.revision, view.candidate)
      : undefined,
    `*Live developer environments:* ${view.liveDevenvs}`,
  ].filter(Boolean);
  const blocks: Block[] = [header(`Release ${release.version}`), section(facts.join('\n')), ...extraBlocks];
  if (view.tally) blocks.push(...tallyBlocks(view.tally, '*Sign-off*'));
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

/** How many releases `/release list` shows (only those are read). */
export const RELEASE_LIST_SHOWN = 40;

export function releaseListReply({ rows, total }: { rows: ReleaseRow[]; total: number }): Reply {
  if (rows.length === 0) return textReply('No releases yet. `/release create <version>` plans one.');
  const shown = rows.slice(0, RELEASE_LIST_SHOWN);
  const lines = shown.map(
    (r) =>
      `${STATE_EMOJI[r.state]} *${escapeText(r.version)}* ${describeState(r.state)} · created ${slackDate(r.createdAt)}`,
  );
  const more = total > shown.length ? [context(`and ${total - shown.length} older releases`)] : [];
  return { text: 'Releases', blocks: [section(`*Releases, newest first*\n${lines.join('\n')}`), ...more] };
}

export const AUDIT_PAGE_SIZE = 20;

/** An audit line stays short even when what it records carried a 1,500-character pipeline URL. */
const AUDIT_LINE_MAX = 450;

/** People's text with every http(s) URL in it shown as a link with a short label. */
export function withShortLinks(text: string): string {
  let out = '';
  let at = 0;
  for (const match of text.matchAll(/https?:\/\/[^\s<>|]+/gi)) {
    // Punctuation after a URL ends the sentence, not the URL ("…/pipelines/12: refused").
    const url = match[0].replace(/[.,:;!?)\]]+$/, '');
    out += escapeText(text.slice(at, match.index));
    out += link(url);
    at = match.index + url.length;
  }
  return out + escapeText(text.slice(at));
}

export function auditLogReply(view: AuditPage): Reply {
  const { release, rows, page, totalPages, older } = view;
  const olderText = `${older}${view.olderAtLeast ? '+' : ''}`;
  if (rows.length === 0)
    return textReply(
      `No audit entries for ${release.version} ${page ? `on page ${page}` : 'before that one'}.`,
    );
  const lines = rows.map((row) => {
    const move = row.fromState || row.toState ? ` ${row.fromState ?? '∅'} → ${row.toState ?? '∅'}` : '';
    const detail = row.detail ? `: ${withShortLinks(row.detail)}` : '';
    const command = row.commandText ? ` \`${cutSafely(escapeText(row.commandText), 200)}\`` : '';
    return cutSafely(
      `${slackDate(row.at)} ${mention(row.actor)} *${row.action}*${move}${detail}${command}`,
      AUDIT_LINE_MAX,
    );
  });
  const where = page ? `page ${page}${totalPages ? ` of ${totalPages}` : ''}` : `${olderText} older`;
  const blocks: Block[] = [
    section(`*Audit log of ${escapeText(release.version)}* (${where}, newest first)`),
    ...packLines(lines, SLACK_LIMITS.sectionText).map(section),
  ];
  if (older > 0) {
    // A cursor, not a page number: the next page costs the same however deep it is.
    blocks.push(
      context(
        `and ${olderText} more: \`/release log ${release.version} before=${rows.at(-1)!.id}\`, or all of them in \`audit.csv\``,
      ),
    );
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
