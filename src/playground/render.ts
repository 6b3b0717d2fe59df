import { toHTML } from 'slack-markdown';

/** How names in mentions are shown: the page's own workspace. */
export interface RenderContext {
  userName(id: string): string | undefined;
  channelName(id: string): string | undefined;
  groupHandle(id: string): string | undefined;
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function mentionSpan(kind: string, label: string): string {
  return `<span class="mention mention-${kind}">${escapeHtml(label)}</span>`;
}

/**
 * Slack mrkdwn as HTML, through slack-markdown. Slack escapes `&`, `<` and `>` in message text; the parser
 * escapes again, so the entities are put back to show the characters the sender meant. Dates become
 * `<time>` elements the page formats in the viewer's own zone.
 */
export function renderMrkdwn(text: string, ctx: RenderContext): string {
  const html = toHTML(text, {
    hrefTarget: '_blank',
    slackCallbacks: {
      user: ({ id, name }) => mentionSpan('user', `@${ctx.userName(id) ?? name ?? id}`),
      channel: ({ id, name }) => mentionSpan('channel', `#${ctx.channelName(id) ?? name ?? id}`),
      usergroup: ({ id, name }) => mentionSpan('group', `@${ctx.groupHandle(id) ?? name ?? id}`),
      atHere: () => mentionSpan('special', '@here'),
      atChannel: () => mentionSpan('special', '@channel'),
      atEveryone: () => mentionSpan('special', '@everyone'),
      date: ({ timestamp, format, fallback }) =>
        `<time class="slack-date" data-ts="${escapeHtml(timestamp)}" data-format="${escapeHtml(format)}">${escapeHtml(fallback)}</time>`,
    },
  });
  return html.replace(/&amp;(lt|gt|amp);/g, '&$1;');
}

/** plain_text: escaped, with emoji shortcodes (and nothing else) when the object asks for them. */
function renderPlain(text: string, emoji: boolean): string {
  const escaped = escapeHtml(text);
  return emoji
    ? escaped.replace(/:[a-z0-9_+-]+:/g, (code) => toHTML(code, { noExtraEmojiSpanTags: true }))
    : escaped;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function textObject(value: unknown, ctx: RenderContext): string {
  if (!isObject(value) || typeof value.text !== 'string') return '';
  return value.type === 'mrkdwn'
    ? renderMrkdwn(value.text, ctx)
    : renderPlain(value.text, value.emoji !== false);
}

function unsupported(kind: 'block' | 'element', type: unknown): string {
  const name = typeof type === 'string' ? type : 'unknown';
  return `<div class="unsupported" role="note">unsupported ${kind}: ${escapeHtml(name)}</div>`;
}

function button(element: Json, blockId: string, ctx: RenderContext): string {
  const style = element.style === 'primary' || element.style === 'danger' ? ` btn-${element.style}` : '';
  const confirm = isObject(element.confirm)
    ? ` data-confirm="${escapeHtml(
        JSON.stringify({
          title: plainOf(element.confirm.title),
          text: plainOf(element.confirm.text),
          confirm: plainOf(element.confirm.confirm) || 'Yes',
          deny: plainOf(element.confirm.deny) || 'Cancel',
        }),
      )}"`
    : '';
  return (
    `<button type="button" class="btn${style}" data-action-id="${escapeHtml(str(element.action_id))}"` +
    ` data-block-id="${escapeHtml(blockId)}" data-value="${escapeHtml(str(element.value))}"${confirm}>` +
    `${textObject(element.text, ctx)}</button>`
  );
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function plainOf(value: unknown): string {
  return isObject(value) && typeof value.text === 'string' ? value.text : '';
}

function element(value: unknown, blockId: string, ctx: RenderContext): string {
  if (!isObject(value)) return unsupported('element', undefined);
  if (value.type === 'button') return button(value, blockId, ctx);
  if (value.type === 'mrkdwn' || value.type === 'plain_text') return `<span>${textObject(value, ctx)}</span>`;
  return unsupported('element', value.type);
}

function input(block: Json, blockId: string, ctx: RenderContext): string {
  const el = isObject(block.element) ? block.element : {};
  if (el.type !== 'plain_text_input') return unsupported('element', el.type);
  const actionId = str(el.action_id);
  const id = `input-${escapeHtml(blockId)}-${escapeHtml(actionId)}`;
  const attrs =
    ` id="${id}" name="${escapeHtml(blockId)}" data-action-id="${escapeHtml(actionId)}"` +
    (typeof el.max_length === 'number' ? ` maxlength="${el.max_length}"` : '') +
    (isObject(el.placeholder) ? ` placeholder="${escapeHtml(plainOf(el.placeholder))}"` : '') +
    ` aria-describedby="${id}-error"`;
  const initial = typeof el.initial_value === 'string' ? escapeHtml(el.initial_value) : '';
  const field =
    el.multiline === true
      ? `<textarea${attrs}>${initial}</textarea>`
      : `<input type="text"${attrs} value="${initial}">`;
  const hint = isObject(block.hint) ? `<div class="hint">${textObject(block.hint, ctx)}</div>` : '';
  const optional = block.optional === true ? ' <span class="optional">(optional)</span>' : '';
  return (
    `<div class="block block-input" data-block-id="${escapeHtml(blockId)}">` +
    `<label for="${id}">${textObject(block.label, ctx)}${optional}</label>${field}${hint}` +
    `<div class="field-error" id="${id}-error" role="alert"></div></div>`
  );
}

function block(value: unknown, index: number, ctx: RenderContext): string {
  if (!isObject(value)) return unsupported('block', undefined);
  const blockId = typeof value.block_id === 'string' ? value.block_id : `b${index}`;
  switch (value.type) {
    case 'header':
      return `<h3 class="block block-header">${textObject(value.text, ctx)}</h3>`;
    case 'divider':
      return '<hr class="block block-divider">';
    case 'section': {
      const text = value.text ? `<div class="section-text">${textObject(value.text, ctx)}</div>` : '';
      const fields = Array.isArray(value.fields)
        ? `<div class="section-fields">${value.fields.map((f) => `<div>${textObject(f, ctx)}</div>`).join('')}</div>`
        : '';
      const accessory = value.accessory
        ? `<div class="accessory">${element(value.accessory, blockId, ctx)}</div>`
        : '';
      return `<div class="block block-section"><div class="section-body">${text}${fields}</div>${accessory}</div>`;
    }
    case 'actions': {
      const elements = Array.isArray(value.elements) ? value.elements : [];
      return `<div class="block block-actions" role="group">${elements.map((e) => element(e, blockId, ctx)).join('')}</div>`;
    }
    case 'context': {
      const elements = Array.isArray(value.elements) ? value.elements : [];
      return `<div class="block block-context">${elements.map((e) => element(e, blockId, ctx)).join(' ')}</div>`;
    }
    case 'input':
      return input(value, blockId, ctx);
    default:
      return unsupported('block', value.type);
  }
}

/** A message or view: its blocks, or its text when it has none. */
export function renderMessageBody(message: { text?: unknown; blocks?: unknown }, ctx: RenderContext): string {
  if (Array.isArray(message.blocks) && message.blocks.length > 0) {
    return message.blocks.map((b, i) => block(b, i, ctx)).join('');
  }
  return typeof message.text === 'string'
    ? `<div class="block block-section"><div class="section-text">${renderMrkdwn(message.text, ctx)}</div></div>`
    : '';
}
