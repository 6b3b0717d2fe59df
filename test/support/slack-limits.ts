/**
 * Slack's documented Block Kit limits, checked the way Slack checks them, so that every test runs under
 * them. Written from Slack's reference (blocks, composition objects, chat.postMessage) and, for the
 * block-text ceiling, from what Slack was seen refusing (bolt-js #2509: about 13,200 characters).
 * Deliberately independent of src/: a stand-in that shared the bot's own limits would agree with any bug.
 */

const MESSAGE_BLOCKS = 50;
const VIEW_BLOCKS = 100;
const MESSAGE_TEXT = 40_000;
/** Slack's refusal starts between 12,000 and 13,300 characters; the stand-in takes the strict end. */
const MESSAGE_BLOCK_TEXT = 12_000;

type Json = Record<string, unknown>;

function textOf(value: unknown): string | undefined {
  return value && typeof value === 'object' && typeof (value as Json).text === 'string'
    ? ((value as Json).text as string)
    : undefined;
}

/** The first way a block breaks Slack's limits, or undefined. */
function blockProblem(block: Json, index: number): string | undefined {
  const at = `block ${index} (${String(block.type)})`;
  const over = (what: string, text: string | undefined, max: number) =>
    text !== undefined && text.length > max ? `${at}: ${what} is ${text.length} > ${max}` : undefined;
  switch (block.type) {
    case 'section': {
      const fields = Array.isArray(block.fields) ? (block.fields as Json[]) : [];
      if (textOf(block.text) === undefined && fields.length === 0) return `${at}: neither text nor fields`;
      if (fields.length > 10) return `${at}: ${fields.length} fields > 10`;
      for (const field of fields) {
        const problem = over('a field', textOf(field), 2000);
        if (problem) return problem;
      }
      return over('text', textOf(block.text), 3000);
    }
    case 'header':
      return over('text', textOf(block.text), 150);
    case 'context': {
      const elements = Array.isArray(block.elements) ? (block.elements as Json[]) : [];
      if (elements.length === 0 || elements.length > 10) return `${at}: ${elements.length} elements`;
      for (const element of elements) {
        const problem = over('an element', textOf(element), 3000);
        if (problem) return problem;
      }
      return undefined;
    }
    case 'actions': {
      const elements = Array.isArray(block.elements) ? (block.elements as Json[]) : [];
      if (elements.length === 0 || elements.length > 25) return `${at}: ${elements.length} elements`;
      for (const element of elements) {
        const problem =
          over('a button label', textOf(element.text), 75) ??
          (typeof element.value === 'string' && element.value.length > 2000
            ? `${at}: value too long`
            : undefined) ??
          (typeof element.action_id === 'string' && element.action_id.length > 255
            ? `${at}: action_id`
            : undefined);
        if (problem) return problem;
      }
      return typeof block.block_id === 'string' && block.block_id.length > 255
        ? `${at}: block_id`
        : undefined;
    }
    default:
      return undefined;
  }
}

/** Characters of text in blocks, as Slack counts them against the message ceiling. */
export function blockText(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + blockText(v), 0);
  if (!value || typeof value !== 'object') return 0;
  let total = 0;
  for (const [key, v] of Object.entries(value as Json))
    total += key === 'text' && typeof v === 'string' ? v.length : blockText(v);
  return total;
}

/** Slack's error code for a message it would refuse, with why (for a test's failure message). */
export function messageRefusal(args: Json): { error: string; why: string } | undefined {
  if (typeof args.text === 'string' && args.text.length > MESSAGE_TEXT)
    return { error: 'msg_too_long', why: `text is ${args.text.length} characters` };
  if (args.blocks === undefined) return undefined;
  if (!Array.isArray(args.blocks)) return { error: 'invalid_blocks', why: 'blocks is not an array' };
  const blocks = args.blocks as Json[];
  if (blocks.length > MESSAGE_BLOCKS) return { error: 'invalid_blocks', why: `${blocks.length} blocks` };
  for (const [i, block] of blocks.entries()) {
    const problem = blockProblem(block, i);
    if (problem) return { error: 'invalid_blocks', why: problem };
  }
  const chars = blockText(blocks);
  if (chars > MESSAGE_BLOCK_TEXT)
    return { error: 'msg_blocks_too_long', why: `${chars} characters of block text` };
  return undefined;
}

export function viewRefusal(view: Json): { error: string; why: string } | undefined {
  const blocks = Array.isArray(view.blocks) ? (view.blocks as Json[]) : [];
  if (blocks.length > VIEW_BLOCKS)
    return { error: 'invalid_blocks', why: `${blocks.length} blocks in a view` };
  for (const [i, block] of blocks.entries()) {
    const problem = blockProblem(block, i);
    if (problem) return { error: 'invalid_blocks', why: problem };
  }
  return undefined;
}

/** What a reader would see as broken in mrkdwn: raw markup, a cut entity, a lone surrogate; or undefined. */
export function brokenMarkup(text: string): string | undefined {
  const withoutTokens = text.replace(/<[^<>\n]*>/g, '');
  if (/[<>]/.test(withoutTokens)) return 'unbalanced < or >';
  const entities = withoutTokens.replace(/&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);/g, '');
  if (/&/.test(entities)) return 'cut entity';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return 'lone high surrogate';
      i++;
    } else if (code >= 0xdc00 && code <= 0xdfff) return 'lone low surrogate';
  }
  return undefined;
}

/** Every mrkdwn text in a message or view (section text and fields, context elements). */
export function mrkdwnTexts(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(mrkdwnTexts);
  if (!value || typeof value !== 'object') return [];
  const obj = value as Json;
  if (obj.type === 'mrkdwn' && typeof obj.text === 'string') return [obj.text];
  return Object.values(obj).flatMap(mrkdwnTexts);
}
