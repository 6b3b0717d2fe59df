// One cohesive thing, kept whole: Slack's Web API as the playground needs it, with the state it keeps.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from '../vendor/zod.js';
import type { Logger } from '../logger.js';
import { readStateFile, writeStateFile } from './state-file.js';
import { BOT_USER_ID, GROUPS, RELEASES_CHANNEL, TEAM_ID, userById } from './workspace.js';

type Json = Record<string, unknown>;

export interface StoredMessage {
  channel: string;
  ts: string;
  /** The thread it belongs to (its parent's ts), if it is a reply. */
  threadTs?: string;
  /** A reply that is also shown in the channel. */
  broadcast?: boolean;
  /** Who wrote it: the bot, or a person (the page echoes nothing as a person). */
  author: string;
  text: string;
  blocks: unknown[] | undefined;
  /** Set for a message only this user sees ("only visible to you"). */
  ephemeralFor?: string;
  edited?: boolean;
  at: number;
  /** Message metadata, as the bot posted it (the outbox's key, read back by a retry). */
  metadata?: unknown;
}

export interface StoredView {
  id: string;
  user: string;
  hash: string;
  view: Json;
}

/** Where a response_url posts to: the person and channel it answers, and the message it came from. */
interface ResponseTarget {
  user: string;
  channel: string;
  /** The ts of the message (or ephemeral) whose button made this response_url. */
  sourceTs?: string;
  expires: number;
}

const TRIGGER_LIFETIME_MS = 3_000;
/** Slack lets a response_url be used for 30 minutes. */
const RESPONSE_URL_LIFETIME_MS = 30 * 60_000;

const persisted = z.object({
  counter: z.number().int().nonnegative(),
  messages: z.array(z.record(z.string(), z.unknown())),
  homes: z.array(
    z.object({ id: z.string(), user: z.string(), hash: z.string(), view: z.record(z.string(), z.unknown()) }),
  ),
});

/**
 * The Slack Web API as the bot calls it, on loopback, answering in Slack's shapes: messages, threads,
 * ephemerals, DMs, modals and Home views of the playground workspace. What the bot posts is kept in a file
 * beside the database, so a playground session survives a restart.
 */
export class SlackEmulator {
  readonly botToken = `xoxb-playground-${randomBytes(12).toString('hex')}`;
  readonly messages: StoredMessage[] = [];
  private readonly homes = new Map<string, StoredView>();
  private readonly modals = new Map<string, StoredView[]>();
  private readonly triggers = new Map<string, { user: string; expires: number }>();
  private readonly responseTargets = new Map<string, ResponseTarget>();
  private readonly listeners = new Set<() => void>();
  private counter = 0;
  private server: Server | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  url = '';
  /** Where permalinks point: the playground page. */
  pageUrl = 'http://127.0.0.1:3000';

  constructor(
    private readonly logger: Logger,
    private readonly statePath: string | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  async start(): Promise<this> {
    this.load();
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.logger.error({ err: error, path: req.url }, 'playground Slack emulator failed');
        if (!res.headersSent) reply(res, 500, { ok: false, error: 'internal_error' });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.flush();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** SLACK_API_URL for the bot. */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // --- what the page's side (the "Slack client") needs --------------------------------------------

  newTrigger(user: string): string {
    const id = `${Math.floor(this.now() / 1000)}.${++this.counter}.${randomBytes(8).toString('hex')}`;
    this.triggers.set(id, { user, expires: this.now() + TRIGGER_LIFETIME_MS });
    return id;
  }

  newResponseUrl(target: Omit<ResponseTarget, 'expires'>): string {
    const id = randomBytes(12).toString('hex');
    this.responseTargets.set(id, { ...target, expires: this.now() + RESPONSE_URL_LIFETIME_MS });
    return `${this.url}/response/${id}`;
  }

  /** An answer that came back on an HTTP ack (slash commands): like a response_url post. */
  acceptResponse(target: Omit<ResponseTarget, 'expires'>, body: Json): void {
    this.applyResponse({ ...target, expires: Infinity }, body);
  }

  /** The person's client reloaded: as in Slack, their "only visible to you" replies are gone. */
  dropEphemerals(user: string): number {
    const before = this.messages.length;
    for (let i = this.messages.length - 1; i >= 0; i--) {
      if (this.messages[i]!.ephemeralFor === user) this.messages.splice(i, 1);
    }
    const dropped = before - this.messages.length;
    if (dropped > 0) this.changed();
    return dropped;
  }

  /** A new session: the workspace as on the first start, with no message, modal or Home view. */
  reset(): void {
    this.messages.splice(0, this.messages.length);
    this.homes.clear();
    this.modals.clear();
    this.triggers.clear();
    this.responseTargets.clear();
    this.changed();
  }

  /** What `user` sees in a conversation: every message but other people's ephemerals, in order. */
  conversation(channel: string, user: string): StoredMessage[] {
    return this.messages.filter(
      (m) => m.channel === channel && (m.ephemeralFor === undefined || m.ephemeralFor === user),
    );
  }

  findMessage(channel: string, ts: string): StoredMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts);
  }

  topModal(user: string): StoredView | undefined {
    return this.modals.get(user)?.at(-1);
  }

  closeModal(user: string, viewId: string, all = false): void {
    const stack = this.modals.get(user) ?? [];
    const remaining = all ? [] : stack.filter((v) => v.id !== viewId);
    this.modals.set(user, remaining);
    this.changed(false);
  }

  /** A view_submission ack that asks to update or push (`response_action`). */
  replaceModal(user: string, viewId: string, view: Json, push: boolean): void {
    const stack = this.modals.get(user) ?? [];
    const next = { id: push ? this.viewId() : viewId, user, hash: this.hash(), view };
    this.modals.set(user, push ? [...stack, next] : stack.map((v) => (v.id === viewId ? next : v)));
    this.changed(false);
  }

  home(user: string): StoredView | undefined {
    return this.homes.get(user);
  }

  // --- the Web API ---------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const raw = await readBody(req);
    if (req.method === 'POST' && path.startsWith('/response/')) {
      const target = this.responseTargets.get(path.slice('/response/'.length));
      if (!target || target.expires < this.now()) {
        reply(res, 404, 'no_such_response_url');
        return;
      }
      const body = parseJson(raw);
      if (!body) {
        reply(res, 400, 'invalid_payload');
        return;
      }
      this.applyResponse(target, body);
      reply(res, 200, 'ok');
      return;
    }
    if (req.method !== 'POST' || !path.startsWith('/api/')) {
      reply(res, 404, { ok: false, error: 'unknown_method' });
      return;
    }
    const method = path.slice('/api/'.length);
    const args = parseArgs(String(req.headers['content-type'] ?? ''), raw);
    const auth = String(req.headers.authorization ?? '');
    const token = auth.startsWith('Bearer ')
      ? auth.slice(7)
      : typeof args.token === 'string'
        ? args.token
        : '';
    if (token !== this.botToken) {
      reply(res, 200, { ok: false, error: 'invalid_auth' });
      return;
    }
    const answer = this.call(method, args);
    if (answer.ok !== true)
      this.logger.warn({ method, error: answer.error }, 'playground Slack call refused');
    reply(res, 200, answer);
  }

  private call(method: string, args: Json): Json {
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: `${this.pageUrl}/`,
          team: 'Playground',
          user: 'release-bot',
          team_id: TEAM_ID,
          user_id: BOT_USER_ID,
          bot_id: 'BPLAYBOT0',
        };
      case 'chat.postMessage':
        return this.postMessage(args);
      case 'chat.postEphemeral': {
        const channel = this.channelOf(args.channel);
        if (!channel || typeof args.user !== 'string') return { ok: false, error: 'channel_not_found' };
        const message = this.add({ channel, author: BOT_USER_ID, ...content(args), ephemeralFor: args.user });
        return { ok: true, message_ts: message.ts };
      }
      case 'chat.update': {
        const channel = this.channelOf(args.channel);
        const message = channel ? this.findMessage(channel, String(args.ts)) : undefined;
        if (!message) return { ok: false, error: 'message_not_found' };
        Object.assign(message, content(args), { edited: true });
        this.changed();
        return { ok: true, channel, ts: message.ts, text: message.text };
      }
      case 'chat.getPermalink': {
        const channel = this.channelOf(args.channel);
        if (!channel || !this.findMessage(channel, String(args.message_ts)))
          return { ok: false, error: 'message_not_found' };
        const ts = String(args.message_ts);
        return {
          ok: true,
          channel,
          permalink: `${this.pageUrl}/?channel=${channel}&message=${encodeURIComponent(ts)}`,
        };
      }
      case 'conversations.open': {
        const user = typeof args.users === 'string' ? args.users.split(',')[0] : undefined;
        return user && userById(user)
          ? { ok: true, channel: { id: `D${user}` } }
          : { ok: false, error: 'user_not_found' };
      }
      case 'conversations.history':
      case 'conversations.replies':
        return this.history(args, method === 'conversations.replies');
      case 'users.info': {
        const user = userById(String(args.user));
        return user
          ? {
              ok: true,
              user: {
                id: user.id,
                team_id: TEAM_ID,
                name: user.name,
                real_name: user.name,
                tz: user.tz,
                profile: { display_name: user.name },
              },
            }
          : { ok: false, error: 'user_not_found' };
      }
      case 'usergroups.users.list': {
        const group = GROUPS.find((g) => g.id === args.usergroup);
        return group ? { ok: true, users: [...group.members] } : { ok: false, error: 'no_such_subteam' };
      }
      case 'views.open':
      case 'views.push':
        return this.openView(args, method === 'views.push');
      case 'views.update':
        return this.updateView(args);
      case 'views.publish':
        return this.publishHome(args);
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  private postMessage(args: Json): Json {
    const channel = this.channelOf(args.channel);
    if (!channel) return { ok: false, error: 'channel_not_found' };
    const threadTs = typeof args.thread_ts === 'string' ? args.thread_ts : undefined;
    if (threadTs && !this.findMessage(channel, threadTs)) return { ok: false, error: 'thread_not_found' };
    const message = this.add({
      channel,
      author: BOT_USER_ID,
      ...content(args),
      ...(threadTs
        ? { threadTs, broadcast: args.reply_broadcast === true || args.reply_broadcast === 'true' }
        : {}),
      ...(args.metadata
        ? { metadata: typeof args.metadata === 'string' ? parseJson(args.metadata) : args.metadata }
        : {}),
    });
    return { ok: true, channel, ts: message.ts, message: { text: message.text, ts: message.ts } };
  }

  /** conversations.history (top level, newest first) or .replies (parent, then replies), with metadata. */
  private history(args: Json, replies: boolean): Json {
    const channel = this.channelOf(args.channel);
    if (!channel) return { ok: false, error: 'channel_not_found' };
    const oldest = Number(args.oldest ?? 0);
    const found = this.messages.filter(
      (m) =>
        m.channel === channel &&
        !m.ephemeralFor &&
        Number(m.ts) > oldest &&
        (replies ? m.ts === args.ts || m.threadTs === args.ts : !m.threadTs),
    );
    const withMetadata = args.include_all_metadata === true || args.include_all_metadata === 'true';
    const limit = Math.min(Number(args.limit ?? 100), 1000);
    const page = (replies ? found : found.reverse()).slice(0, limit);
    return {
      ok: true,
      messages: page.map((m) => ({
        type: 'message',
        ts: m.ts,
        text: m.text,
        ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
        ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}),
      })),
      has_more: false,
      response_metadata: { next_cursor: '' },
    };
  }

  private openView(args: Json, push: boolean): Json {
    const trigger = this.triggers.get(String(args.trigger_id));
    if (!trigger) return { ok: false, error: 'invalid_trigger_id' };
    if (trigger.expires < this.now()) return { ok: false, error: 'expired_trigger_id' };
    this.triggers.delete(String(args.trigger_id));
    const view = asView(args.view);
    if (!view || view.type !== 'modal') return { ok: false, error: 'invalid_arguments' };
    const stored = { id: this.viewId(), user: trigger.user, hash: this.hash(), view };
    const stack = push ? (this.modals.get(trigger.user) ?? []) : [];
    this.modals.set(trigger.user, [...stack, stored]);
    this.changed(false);
    return { ok: true, view: { id: stored.id, hash: stored.hash, ...view } };
  }

  private updateView(args: Json): Json {
    const view = asView(args.view);
    for (const [user, stack] of this.modals) {
      const current = stack.find((v) => v.id === args.view_id);
      if (!current || !view) continue;
      if (typeof args.hash === 'string' && args.hash !== current.hash)
        return { ok: false, error: 'hash_conflict' };
      this.replaceModal(user, current.id, view, false);
      return { ok: true, view: { id: current.id, ...view } };
    }
    return { ok: false, error: 'not_found' };
  }

  private publishHome(args: Json): Json {
    const user = String(args.user_id);
    if (!userById(user)) return { ok: false, error: 'user_not_found' };
    const view = asView(args.view);
    if (!view || view.type !== 'home') return { ok: false, error: 'invalid_arguments' };
    const current = this.homes.get(user);
    // Slack's optimistic lock: publishing over a view that changed since `hash` was read is refused.
    if (typeof args.hash === 'string' && current && args.hash !== current.hash)
      return { ok: false, error: 'hash_conflict' };
    const stored = { id: current?.id ?? this.viewId(), user, hash: this.hash(), view };
    this.homes.set(user, stored);
    this.changed();
    return { ok: true, view: { id: stored.id, hash: stored.hash, ...view } };
  }

  private applyResponse(target: ResponseTarget, body: Json): void {
    const payload = content(body);
    const source = target.sourceTs ? this.findMessage(target.channel, target.sourceTs) : undefined;
    if (body.delete_original === true && source) {
      this.messages.splice(this.messages.indexOf(source), 1);
      this.changed();
      return;
    }
    if (body.replace_original === true && source) {
      Object.assign(source, payload, { edited: true });
      this.changed();
      return;
    }
    const inChannel = body.response_type === 'in_channel';
    this.add({
      channel: target.channel,
      author: BOT_USER_ID,
      ...payload,
      ...(inChannel ? {} : { ephemeralFor: target.user }),
    });
  }

  private add(message: Omit<StoredMessage, 'ts' | 'at'>): StoredMessage {
    const at = this.now();
    const stored: StoredMessage = {
      ...message,
      ts: `${Math.floor(at / 1000)}.${String(++this.counter).padStart(6, '0')}`,
      at,
    };
    this.messages.push(stored);
    this.changed();
    return stored;
  }

  /** A channel ID, or a user ID (a DM from the bot), as a conversation of the workspace. */
  private channelOf(value: unknown): string | undefined {
    if (typeof value !== 'string') return undefined;
    if (value === RELEASES_CHANNEL.id) return value;
    if (userById(value)) return `D${value}`;
    if (value.startsWith('D') && userById(value.slice(1))) return value;
    return undefined;
  }

  private viewId(): string {
    return `V${randomBytes(5).toString('hex').toUpperCase()}`;
  }

  private hash(): string {
    return `${Math.floor(this.now() / 1000)}.${randomBytes(4).toString('hex')}`;
  }

  private changed(persist = true): void {
    for (const listener of this.listeners) listener();
    if (persist && this.statePath && !this.saveTimer) {
      this.saveTimer = setTimeout(() => this.flush(), 200).unref();
    }
  }

  private flush(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    const state = { counter: this.counter, messages: this.messages, homes: [...this.homes.values()] };
    writeStateFile(this.statePath, state, this.logger, 'workspace');
  }

  private load(): void {
    const saved = readStateFile(this.statePath, persisted, this.logger, 'workspace');
    if (!saved) return;
    this.counter = saved.counter;
    this.messages.push(...(saved.messages as unknown as StoredMessage[]));
    for (const home of saved.homes) this.homes.set(home.user, home);
  }
}

function content(args: Json): { text: string; blocks: unknown[] | undefined } {
  const blocks =
    typeof args.blocks === 'string'
      ? parseJsonArray(args.blocks)
      : Array.isArray(args.blocks)
        ? args.blocks
        : undefined;
  return { text: typeof args.text === 'string' ? args.text : '', blocks };
}

function asView(value: unknown): Json | undefined {
  const view = typeof value === 'string' ? parseJson(value) : value;
  return typeof view === 'object' && view !== null && !Array.isArray(view) ? (view as Json) : undefined;
}

function parseJson(text: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

function parseJsonArray(text: string): unknown[] | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The Web API takes form bodies (the Node SDK's default) or JSON. */
function parseArgs(contentType: string, raw: string): Json {
  if (contentType.includes('application/json')) return parseJson(raw) ?? {};
  const args: Json = {};
  for (const [key, value] of new URLSearchParams(raw)) args[key] = value;
  return args;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 2_000_000) break;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain' : 'application/json; charset=utf-8',
  });
  res.end(payload);
}
