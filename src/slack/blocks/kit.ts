import type { types } from '@slack/bolt';

export type Block = types.KnownBlock;

/** Slack rejects a section whose text is over 3000 characters. */
const SECTION_TEXT_LIMIT = 3000;

export function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

export function section(markdown: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(markdown, SECTION_TEXT_LIMIT) } };
}

export function header(text: string): Block {
  return { type: 'header', text: { type: 'plain_text', text: truncate(text, 150), emoji: true } };
}

export function context(...markdown: string[]): Block {
  return {
    type: 'context',
    elements: markdown.map((text) => ({ type: 'mrkdwn', text: truncate(text, 3000) })),
  };
}

export function divider(): Block {
  return { type: 'divider' };
}

export interface ButtonSpec {
  text: string;
  actionId: string;
  value: string;
  style?: 'primary' | 'danger';
  confirm?: { title: string; text: string; confirm: string };
}

export function actions(blockId: string, buttons: ButtonSpec[]): Block {
  return {
    type: 'actions',
    block_id: blockId,
    elements: buttons.map((b) => ({
      type: 'button',
      text: { type: 'plain_text', text: b.text, emoji: true },
      action_id: b.actionId,
      value: b.value,
      ...(b.style ? { style: b.style } : {}),
      ...(b.confirm
        ? {
            confirm: {
              title: { type: 'plain_text', text: b.confirm.title },
              text: { type: 'mrkdwn', text: b.confirm.text },
              confirm: { type: 'plain_text', text: b.confirm.confirm },
              deny: { type: 'plain_text', text: 'Cancel' },
            },
          }
        : {}),
    })),
  };
}

/** Slack renders this in each reader's own time zone; the fallback is UTC. */
export function slackDate(at: Date): string {
  const seconds = Math.floor(at.getTime() / 1000);
  const fallback = `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${seconds}^{date_short_pretty} {time}|${fallback}>`;
}

/** A Slack user or user group as a mention; anything else (the gate, a seed) as plain text. */
export function mention(principal: string): string {
  if (/^S[A-Z0-9]+$/.test(principal)) return `<!subteam^${principal}>`;
  if (/^[UW][A-Z0-9]+$/.test(principal)) return `<@${principal}>`;
  return `_${escapeText(principal)}_`;
}

/** Neutralises Slack's control characters in text that came from people or other systems. */
export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface Reply {
  text: string;
  blocks: Block[];
}

export function textReply(markdown: string): Reply {
  return { text: markdown, blocks: [section(markdown)] };
}
