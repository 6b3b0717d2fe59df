import type { ExceptionRow } from '../../db/gate.js';
import type { ReleaseRow } from '../../db/releases.js';
import { ActionIds } from '../ids.js';
import { actions, context, escapeText, mention, section, slackDate, textReply, type Reply } from './kit.js';
import { cutSafely } from './fit.js';

const STATE_WORDS: Record<ExceptionRow['state'], string> = {
  pending: ':hourglass_flowing_sand: pending',
  approved: ':white_check_mark: approved',
  denied: ':no_entry: denied',
};

function describe(e: ExceptionRow, version: string): string {
  return `*${e.issueKey}* into *${e.service}* during the *${escapeText(version)}* freeze\n> ${escapeText(e.reason)}`;
}

export function exceptionRequestMessage(e: ExceptionRow, release: ReleaseRow): Reply {
  const decided =
    e.state === 'pending'
      ? [
          actions(`exception:${e.id}`, [
            { text: 'Approve', actionId: ActionIds.exceptionApprove, value: String(e.id), style: 'primary' },
            { text: 'Deny', actionId: ActionIds.exceptionDeny, value: String(e.id), style: 'danger' },
          ]),
          context('Release managers decide.'),
        ]
      : [
          context(
            `${STATE_WORDS[e.state]} by ${mention(e.decidedBy ?? '')}${e.decidedAt ? ` ${slackDate(e.decidedAt)}` : ''}`,
          ),
        ];
  return {
    text: `Freeze exception requested: ${e.issueKey} into ${e.service}`,
    blocks: [
      section(`:raised_hand: ${mention(e.requestedBy)} asks to let ${describe(e, release.version)}`),
      ...decided,
    ],
  };
}

export function exceptionOutcomeLine(e: ExceptionRow, release: ReleaseRow): string {
  return `Your freeze exception for *${e.issueKey}* into *${e.service}* (${escapeText(release.version)}) was ${e.state} by ${mention(e.decidedBy ?? '')}.${e.state === 'approved' ? ' The gate will let it through.' : ''}`;
}

export function exceptionsListReply(release: ReleaseRow, exceptions: ExceptionRow[]): Reply {
  if (exceptions.length === 0) return textReply(`No freeze exceptions for ${release.version}.`);
  const lines = exceptions.map(
    (e) =>
      `#${e.id} ${STATE_WORDS[e.state]} · *${e.issueKey}* → *${e.service}* · by ${mention(e.requestedBy)} · ${cutSafely(escapeText(e.reason), 200)}`,
  );
  return {
    text: `Freeze exceptions of ${release.version}`,
    blocks: [section(`*Freeze exceptions of ${escapeText(release.version)}*\n${lines.join('\n')}`)],
  };
}
