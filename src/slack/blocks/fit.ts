/**
 * Text that fits Slack's limits without breaking what it shows. Slack counts UTF-16 code units; a cut in
 * the middle of `<@U123>`, `<https://…|label>`, `<!date^…>`, `&amp;` or an emoji shows raw markup or "�",
 * so text is only ever cut between whole items (lines), and a single item between whole tokens.
 */

/** Slack's documented limits for what release-bot sends. */
export const SLACK_LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  /** Top-level `text` of a message. */
  messageText: 40_000,
  /**
   * Slack refuses messages with much more block text than this (`msg_blocks_too_long`, seen at about
   * 12,000–13,000 characters, bolt-js #2509, #2867); our builders stay under it with room to spare.
   */
  messageBlockText: 10_000,
} as const;

/** A markup token that must stay whole: `<…>` (mention, channel, date, link) or an HTML entity. */
const ATOMIC = /<[^<>\n]*>|&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{0,31});/g;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** The pieces of `text` that may be cut between: markup tokens whole, everything else per grapheme. */
function* pieces(text: string): Generator<string> {
  let at = 0;
  for (const match of text.matchAll(ATOMIC)) {
    if (match.index > at) for (const g of graphemes.segment(text.slice(at, match.index))) yield g.segment;
    yield match[0];
    at = match.index + match[0].length;
  }
  if (at < text.length) for (const g of graphemes.segment(text.slice(at))) yield g.segment;
}

/**
 * The longest prefix of `text` of at most `limit` code units (ellipsis included) that ends between two
 * whole tokens; a token longer than what is left is dropped whole.
 */
export function cutSafely(text: string, limit: number, ellipsis = '…'): string {
  if (text.length <= limit) return text;
  const room = limit - ellipsis.length;
  if (room <= 0) return ellipsis.slice(0, Math.max(0, limit));
  let kept = '';
  for (const piece of pieces(text)) {
    if (kept.length + piece.length > room) break;
    kept += piece;
  }
  return `${kept}${ellipsis}`;
}

export interface FitOptions {
  /** Code units the result may take. */
  limit: number;
  /** Put before the lines (kept whole; it is never cut away). */
  head?: string;
  /** The line that replaces the lines left out; given how many were left out. */
  more: (hidden: number) => string;
  separator?: string;
  /** Show at most this many lines, even when more would fit. */
  maxLines?: number;
}

/**
 * As many whole lines as fit within `limit`, then `more(hidden)` when some were left out. A first line
 * that is longer than the limit on its own is cut safely rather than dropped, so something always shows.
 */
export function fitLines(lines: readonly string[], options: FitOptions): { text: string; shown: number } {
  const separator = options.separator ?? '\n';
  const head = options.head ?? '';
  const maxLines = Math.min(options.maxLines ?? lines.length, lines.length);
  if (maxLines === lines.length) {
    const all = [head, ...lines].filter((l, i) => i > 0 || l !== '').join(separator);
    if (all.length <= options.limit) return { text: all, shown: lines.length };
  }
  const kept: string[] = head ? [head] : [];
  let used = head.length;
  let shown = 0;
  for (const line of lines.slice(0, maxLines)) {
    const more = options.more(lines.length - shown - 1);
    const cost = (kept.length > 0 ? separator.length : 0) + line.length;
    const tail = shown + 1 < lines.length ? separator.length + more.length : 0;
    if (used + cost + tail > options.limit) break;
    kept.push(line);
    used += cost;
    shown += 1;
  }
  if (shown === 0 && lines.length > 0) {
    // Not even one whole line fits: cut the first one safely, so the reader sees where the list starts.
    const more = lines.length > 1 ? options.more(lines.length - 1) : '';
    const room =
      options.limit -
      used -
      (kept.length > 0 ? separator.length : 0) -
      (more ? separator.length + more.length : 0);
    if (room > 1) {
      kept.push(cutSafely(lines[0]!, room));
      shown = 1;
    }
  }
  const hidden = lines.length - shown;
  if (hidden > 0) kept.push(options.more(hidden));
  return { text: cutSafely(kept.join(separator), options.limit), shown };
}

/** Splits lines into groups of at most `limit` code units each (joined by newlines); long lines are cut. */
export function packLines(lines: readonly string[], limit: number): string[] {
  const groups: string[] = [];
  let current = '';
  for (const raw of lines) {
    const line = raw.length > limit ? cutSafely(raw, limit) : raw;
    if (current && current.length + 1 + line.length > limit) {
      groups.push(current);
      current = line;
    } else current = current ? `${current}\n${line}` : line;
  }
  if (current) groups.push(current);
  return groups;
}

/** Characters of text a block carries, as Slack counts them against a message's block-text ceiling. */
export function blockTextLength(block: unknown): number {
  if (typeof block === 'string') return 0;
  if (Array.isArray(block)) return block.reduce((n: number, b) => n + blockTextLength(b), 0);
  if (!block || typeof block !== 'object') return 0;
  let total = 0;
  for (const [key, value] of Object.entries(block as Record<string, unknown>)) {
    if (key === 'text' && typeof value === 'string') total += value.length;
    else total += blockTextLength(value);
  }
  return total;
}

const HTTP_URL = /^https?:\/\/[^\s]+$/i;

/** The URL as Slack reads it inside `<…|…>`: its control characters percent-encoded. */
function slackUrl(url: string): string {
  return url.replace(/[<>|\s"]/g, (c) => encodeURIComponent(c)).replace(/&/g, '&amp;');
}

/** A label no longer than `max` characters that says where a URL goes: "pipeline #1234", or host and last segment. */
export function shortUrlLabel(url: string, max = 48): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'link';
  }
  const segments = parsed.pathname.split('/').filter(Boolean);
  const last = segments.at(-1) ?? '';
  if (/^\d+$/.test(last) && /pipeline|job|build|run|action/i.test(parsed.pathname))
    return `pipeline #${last}`;
  const label = last ? `${parsed.host}/…/${decodeSafely(last)}` : parsed.host;
  return cutSafely(label.replace(/[<>&|]/g, ''), max);
}

function decodeSafely(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Longer URLs are shown by label only: a link would take a fifth of a message's text on its own. */
const LINKED_URL_MAX = 500;

/**
 * A link with a short label. Only http(s) URLs become links; their control characters cannot end the
 * link early. Anything else shows as the (escaped) label alone.
 */
export function link(url: string, label?: string): string {
  const text = (label ?? shortUrlLabel(url)).replace(/[<>|]/g, '').replace(/&(?!amp;|lt;|gt;)/g, '&amp;');
  if (!HTTP_URL.test(url)) return text;
  let target = url;
  if (target.length > LINKED_URL_MAX) {
    // Queries and fragments are where such URLs grow; the page itself usually needs neither.
    target = target.replace(/[?#].*$/, '');
    if (target.length > LINKED_URL_MAX) return text;
  }
  return `<${slackUrl(target)}|${text}>`;
}
