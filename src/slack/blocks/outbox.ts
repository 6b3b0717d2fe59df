import type { OutboxOverview } from '../../use-cases/outbox-admin.js';
import { cutSafely } from './fit.js';
import { context, escapeText, section, slackDate, type Reply } from './kit.js';

/** `/release outbox`: counts, how long the oldest has waited, and the newest failures with their reasons. */
export function outboxReply(overview: OutboxOverview): Reply {
  const lines = overview.recentFailures.map(
    (f) =>
      `• #${f.id} ${escapeText(f.kind)} (${escapeText(f.stream)})${f.settledAt ? `, ${slackDate(f.settledAt)}` : ''}: ${cutSafely(escapeText(f.lastError ?? 'no reason recorded'), 200)}`,
  );
  return {
    text: 'The outbox',
    blocks: [
      section(
        `*Outbox:* ${overview.pending} pending, ${overview.failed} failed` +
          (overview.oldestPendingSince
            ? ` · oldest pending since ${slackDate(overview.oldestPendingSince)}`
            : ''),
      ),
      ...(lines.length > 0 ? [section(`*Newest failures*\n${lines.join('\n')}`)] : []),
      context(
        overview.failed > 0
          ? 'Fix the cause (a token, the bot invited to the channel), then `/release outbox retry`.'
          : 'Nothing failed.',
      ),
    ],
  };
}
