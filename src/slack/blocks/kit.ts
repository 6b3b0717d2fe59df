import type { types } from '@slack/bolt';
import { cutSafely, SLACK_LIMITS } from './fit.js';

export type Block = types.KnownBlock;

/**
 * A section of mrkdwn. Builders fit their text with `fitLines` first; the cut here is only the last
 * guard, and it never cuts inside markup.
 */
export function section(markdown: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: cutSafely(markdown, SLACK_LIMITS.sectionText) } };
}

/** A section of up to ten short mrkdwn fields, shown in two columns. */
export function fieldsSection(fields: readonly string[]): Block {
  return {
    type: 'section',
    fields: fields
      .slice(0, SLACK_LIMITS.sectionFields)
      .map((text) => ({ type: 'mrkdwn', text: cutSafely(text, SLACK_LIMITS.fieldText) })),
  };
}

export function header(text: string): Block {
  return {
    type: 'header',
    text: { type: 'plain_text', text: cutSafely(text, SLACK_LIMITS.headerText), emoji: true },
  };
}

export function context(...markdown: string[]): Block {
  return {
    type: 'context',
    elements: markdown
      .slice(0, SLACK_LIMITS.contextElements)
      .map((text) => ({ type: 'mrkdwn', text: cutSafely(text, SLACK_LIMITS.contextText) })),
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
