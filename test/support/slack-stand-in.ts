import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { messageRefusal, viewRefusal } from './slack-limits.js';

/** A Web API call as the stand-in received it: form or JSON fields, with JSON-valued fields parsed. */
export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  token: string | undefined;
}

/** A way the stand-in misbehaves, as Slack does during incidents. */
export type SlackFault =
  /** Never answers (until `endHangs`, which then drops the connection, as a timed-out proxy would). */
  | { kind: 'hang' }
  | { kind: 'http'; status: number }
  /** HTTP 429 with Retry-After, as Slack answers a rate-limited method. */
  | { kind: 'ratelimited'; retryAfterSeconds: number }
  /** HTTP 200 with `{ ok: false, error }`. */
  | { kind: 'error'; error: string }
  /** Carries the call out at once, but answers only after `delayMs` (a slow Slack behind a deadline). */
  | { kind: 'slow'; delayMs: number }
  /** Carries the call out, then drops the connection without an answer (a reset after Slack stored it). */
  | { kind: 'reset' };

/** A message as Slack keeps it: what conversations.history and conversations.replies answer with. */
export interface StoredMessage {
  channel: string;
  ts: string;
  text: unknown;
  threadTs: string | undefined;
  metadata: { event_type: string; event_payload: Record<string, unknown> } | undefined;
  /**
   * When it was posted, in epoch seconds: what `oldest` compares with. (Slack's ts is that time; the
   * stand-in's ts count up from a fixed start, which the payload fixtures name.)
   */
  postedAt: number;
}

export interface ResponseUrlPost {
  id: string;
  body: Record<string, unknown>;
}

const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata', 'files']);

async function readAll(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseArgs(contentType: string | undefined, raw: string): Record<string, unknown> {
  if (contentType?.startsWith('application/json'))
    return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    args[key] = JSON_FIELDS.has(key) ? JSON.parse(value) : value;
  }
  return args;
}

/** The file in an upload: the body itself, or the file part of a multipart form (as the WebClient sends it). */
function uploadedContent(contentType: string | undefined, raw: string): string {
  const boundary = /boundary=([^;]+)/.exec(contentType ?? '')?.[1];
  if (!contentType?.startsWith('multipart/form-data') || !boundary) return raw;
  const parts = raw.split(`--${boundary}`).slice(1, -1);
  const file = parts.find((p) => /filename=/.test(p)) ?? parts[0] ?? '';
  const start = file.indexOf('\r\n\r\n');
  return start === -1 ? '' : file.slice(start + 4).replace(/\r\n$/, '');
}

/**
 * Slack's Web API on loopback: answers the methods release-bot uses the way Slack does, records every
 * call, and serves response_url posts and a Socket Mode WebSocket.
 */
export class SlackStandIn {
  /** Every call received, whether it was answered well or not. */
  readonly calls: RecordedCall[] = [];
  /** Calls answered `ok: true`: what Slack would have carried out. */
  readonly delivered: RecordedCall[] = [];
  private readonly faults: { method: string; fault: SlackFault; remaining: number }[] = [];
  private readonly hung = new Set<() => void>();
  readonly responses: ResponseUrlPost[] = [];
  /** Files shared by files.completeUploadExternal: where, under which name, with what content. */
  readonly files: {
    channel: string;
    threadTs: string | undefined;
    filename: string;
    title: string;
    content: string;
  }[] = [];
  private readonly uploads = new Map<string, { filename: string; length: number; content?: string }>();
  readonly userGroups = new Map<string, string[]>();
  /** Every message posted, per conversation (a DM to U1 lives in D-channel `DU1`, as conversations.open says). */
  readonly messages: StoredMessage[] = [];
  /** Scopes the workspace did not grant: methods that need them answer `missing_scope`. */
  readonly missingScopes = new Set<string>();
  readonly socketAcks: Record<string, unknown>[] = [];
  /** Messages and views refused for breaking Slack's limits: a test bot fails its test on any, unless told. */
  readonly refusals: { method: string; error: string; why: string }[] = [];
  /** Refusals a test provokes on purpose (a too-long message) and checks itself. */
  expectRefusals = false;
  private readonly homeHashes = new Map<string, string>();
  private readonly failures = new Map<string, string>();
  private readonly conditional: {
    method: string;
    matches: (args: Record<string, unknown>) => boolean;
    error: string;
    remaining: number;
  }[] = [];
  private server?: Server;
  private sockets?: WebSocketServer;
  private socket?: WebSocket;
  private tsCounter = 1_700_000_000;
  private responseCounter = 0;
  private listeners: (() => void)[] = [];
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(
        ({ status, body, headers, hang, reset }) => {
          if (reset) {
            res.destroy();
            return;
          }
          if (hang) {
            const drop = () => res.destroy();
            this.hung.add(drop);
            res.on('close', () => this.hung.delete(drop));
            return;
          }
          res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
          res.end(typeof body === 'string' ? body : JSON.stringify(body));
        },
        (error: unknown) => {
          res.writeHead(500);
          res.end(String(error));
        },
      );
    });
    this.sockets = new WebSocketServer({ server: this.server, path: '/socket' });
    this.sockets.on('connection', (socket) => {
      this.socket = socket;
      socket.on('message', (data: Buffer) => {
        this.socketAcks.push(JSON.parse(data.toString()) as Record<string, unknown>);
        this.notify();
      });
      socket.send(
        JSON.stringify({
          type: 'hello',
          num_connections: 1,
          connection_info: { app_id: 'A1' },
          debug_info: { host: 'stand-in' },
        }),
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.heal();
    for (const client of this.sockets?.clients ?? []) client.terminate();
    this.sockets?.close();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The base URL the bot's WebClient gets as SLACK_API_URL. */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  /** The hash of the Home view Slack holds for a user, as `app_home_opened` carries it. */
  homeHash(user: string): string | undefined {
    return this.homeHashes.get(user);
  }

  newResponseUrl(): { id: string; url: string } {
    const id = `r${++this.responseCounter}`;
    return { id, url: `${this.url}/response/${id}` };
  }

  /** Makes the next `times` calls of `method` whose arguments match answer `{ ok: false, error }`. */
  failWhen(
    method: string,
    matches: (args: Record<string, unknown>) => boolean,
    error: string,
    times = 1,
  ): void {
    this.conditional.push({ method, matches, error, remaining: times });
  }

  /** Makes the next call of `method` answer `{ ok: false, error }`. */
  failNext(method: string, error: string): void {
    this.failures.set(method, error);
  }

  /**
   * Makes the next `times` calls of `method` misbehave. `*` is any Web API method; `response_url` (posts to
   * response URLs, which `*` leaves alone) is recorded first, then misbehaves.
   */
  inject(method: string, fault: SlackFault, times = Infinity): void {
    this.faults.push({ method, fault, remaining: times });
  }

  /** Slack is healthy again: no more faults or scripted failures, and hung requests are dropped. */
  heal(): void {
    this.faults.length = 0;
    this.conditional.length = 0;
    for (const drop of [...this.hung]) drop();
    this.hung.clear();
  }

  /** Requests held open by a `hang` fault whose caller has not given up yet. */
  get hanging(): number {
    return this.hung.size;
  }

  deliveredOf(method: string): RecordedCall[] {
    return this.delivered.filter((c) => c.method === method);
  }

  private takeFault(method: string): SlackFault | undefined {
    // `*` never covers auth.test: a bot must be able to start for the outage tests to mean anything.
    const anyMethod = method !== 'auth.test' && method !== 'response_url';
    const entry = this.faults.find(
      (f) => ((f.method === '*' && anyMethod) || f.method === method) && f.remaining > 0,
    );
    if (!entry) return undefined;
    entry.remaining -= 1;
    return entry.fault;
  }

  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Sends a Socket Mode envelope down the open WebSocket. */
  sendEnvelope(envelope: Record<string, unknown>): void {
    if (!this.socket) throw new Error('no Socket Mode connection');
    this.socket.send(JSON.stringify(envelope));
  }

  get socketConnected(): boolean {
    return this.socket !== undefined;
  }

  /** Resolves once `predicate` holds, re-checking on every call the stand-in receives. */
  async waitFor<T>(
    predicate: () => T | undefined | false | Promise<T | undefined | false>,
    timeoutMs = 5000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await predicate();
      if (value) return value;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error('timed out waiting for the Slack stand-in');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(remaining, 200));
        this.listeners.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async waitForResponse(id: string, timeoutMs = 5000): Promise<Record<string, unknown>> {
    return this.waitFor(() => this.responses.find((r) => r.id === id)?.body, timeoutMs);
  }

  private notify(): void {
    const listeners = this.listeners.splice(0);
    for (const listener of listeners) listener();
  }

  private async handle(req: IncomingMessage): Promise<{
    status: number;
    body: unknown;
    headers?: Record<string, string>;
    hang?: boolean;
    reset?: boolean;
  }> {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const raw = await readAll(req);
    if (path.startsWith('/response/')) {
      const body = JSON.parse(raw) as Record<string, unknown>;
      const refused = messageRefusal(body);
      if (refused) {
        this.refusals.push({ method: 'response_url', ...refused });
        this.notify();
        // Slack answers a response_url post it will not show with a 4xx and the error in the body.
        return { status: 400, body: refused.error };
      }
      this.responses.push({ id: path.slice('/response/'.length), body });
      this.notify();
      const fault = this.takeFault('response_url');
      if (fault?.kind === 'hang') return { status: 0, body: '', hang: true };
      if (fault?.kind === 'http') return { status: fault.status, body: 'upstream error' };
      return { status: 200, body: 'ok' };
    }
    if (path.startsWith('/upload/')) {
      // The external upload URL files.getUploadURLExternal hands out: the file's bytes, as Slack takes them.
      const upload = this.uploads.get(path.slice('/upload/'.length));
      if (!upload) return { status: 404, body: 'no such upload' };
      upload.content = uploadedContent(req.headers['content-type'], raw);
      return { status: 200, body: `OK - ${Buffer.byteLength(upload.content)}` };
    }
    if (!path.startsWith('/api/')) return { status: 404, body: { ok: false, error: 'not_found' } };
    const method = path.slice('/api/'.length);
    const args = parseArgs(req.headers['content-type'], raw);
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : (args.token as string | undefined);
    const call = { method, args, token };
    this.calls.push(call);
    this.notify();
    const failure = this.failures.get(method);
    if (failure) {
      this.failures.delete(method);
      return { status: 200, body: { ok: false, error: failure } };
    }
    const when = this.conditional.find((c) => c.method === method && c.remaining > 0 && c.matches(args));
    if (when) {
      when.remaining -= 1;
      return { status: 200, body: { ok: false, error: when.error } };
    }
    const fault = this.takeFault(method);
    if (fault?.kind === 'hang') return { status: 0, body: '', hang: true };
    if (fault?.kind === 'http') return { status: fault.status, body: 'upstream error' };
    if (fault?.kind === 'ratelimited') {
      return {
        status: 429,
        body: { ok: false, error: 'ratelimited' },
        headers: { 'retry-after': String(fault.retryAfterSeconds) },
      };
    }
    if (fault?.kind === 'error') return { status: 200, body: { ok: false, error: fault.error } };
    const refused =
      method === 'chat.postMessage' || method === 'chat.update' || method === 'chat.postEphemeral'
        ? messageRefusal(args)
        : method.startsWith('views.') && args.view && typeof args.view === 'object'
          ? viewRefusal(args.view as Record<string, unknown>)
          : undefined;
    if (refused) {
      this.refusals.push({ method, ...refused });
      this.notify();
      return { status: 200, body: { ok: false, error: refused.error } };
    }
    const answer = this.answer(method, args);
    if (answer.ok === true) {
      this.delivered.push(call);
      this.notify();
    }
    if (fault?.kind === 'slow') await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault?.kind === 'reset') return { status: 0, body: '', hang: true, reset: true };
    return { status: 200, body: answer };
  }

  private historyScope(channel: string): string {
    if (channel.startsWith('D')) return 'im:history';
    return channel.startsWith('G') ? 'groups:history' : 'channels:history';
  }

  /**
   * conversations.history (the channel's top-level messages, newest first) and conversations.replies (the
   * parent, then its replies, oldest first), after `oldest`, `limit` a page with a cursor, as Slack pages
   * them; metadata only with `include_all_metadata`.
   */
  private history(method: string, args: Record<string, unknown>): Record<string, unknown> {
    const channel = String(args.channel);
    const oldest = Number(args.oldest ?? 0);
    const withMetadata = args.include_all_metadata === true || args.include_all_metadata === 'true';
    const inChannel = this.messages.filter((m) => m.channel === channel && m.postedAt > oldest);
    const selected =
      method === 'conversations.history'
        ? inChannel.filter((m) => !m.threadTs).reverse()
        : inChannel.filter((m) => m.ts === args.ts || m.threadTs === args.ts);
    if (method === 'conversations.replies' && !this.messages.some((m) => m.ts === args.ts))
      return { ok: false, error: 'thread_not_found' };
    const limit = Math.min(Number(args.limit ?? 100), 1000);
    const start = Number(typeof args.cursor === 'string' ? args.cursor : 0);
    const page = selected.slice(start, start + limit);
    const more = start + limit < selected.length;
    return {
      ok: true,
      messages: page.map((m) => ({
        type: 'message',
        ts: m.ts,
        text: m.text,
        bot_id: 'BBOT',
        ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
        ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}),
      })),
      has_more: more,
      response_metadata: { next_cursor: more ? String(start + limit) : '' },
    };
  }

  /** Top-level messages of a conversation (not thread replies), oldest first. */
  postsIn(channel: string): StoredMessage[] {
    return this.messages.filter((m) => m.channel === channel && !m.threadTs);
  }

  private answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://acme.slack.com/',
          team: 'Acme',
          user: 'release-bot',
          team_id: 'T0001',
          user_id: 'UBOT',
          bot_id: 'BBOT',
        };
      case 'chat.postMessage': {
        const ts = `${++this.tsCounter}.000100`;
        // A post to a user goes to the DM channel with them, and Slack answers with that channel.
        const channel = /^[UW]/.test(String(args.channel))
          ? `D${String(args.channel)}`
          : String(args.channel);
        const metadata = args.metadata as StoredMessage['metadata'];
        const threadTs = typeof args.thread_ts === 'string' ? args.thread_ts : undefined;
        this.messages.push({ channel, ts, text: args.text, threadTs, metadata, postedAt: Date.now() / 1000 });
        return {
          ok: true,
          channel: /^[UW]/.test(String(args.channel)) ? channel : args.channel,
          ts,
          message: { type: 'message', text: args.text, ts, bot_id: 'BBOT' },
        };
      }
      case 'conversations.history':
      case 'conversations.replies': {
        const scope = this.historyScope(String(args.channel));
        if (this.missingScopes.has(scope)) return { ok: false, error: 'missing_scope', needed: scope };
        return this.history(method, args);
      }
      case 'chat.getPermalink':
        return {
          ok: true,
          channel: args.channel,
          permalink: `https://acme.slack.com/archives/${String(args.channel)}/p${String(args.message_ts).replace('.', '')}`,
        };
      case 'chat.update':
        return { ok: true, channel: args.channel, ts: args.ts, text: args.text };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: `${++this.tsCounter}.000200` };
      case 'usergroups.users.list': {
        const users = this.userGroups.get(String(args.usergroup));
        return users ? { ok: true, users } : { ok: false, error: 'no_such_subteam' };
      }
      case 'views.publish': {
        // Slack's optimistic lock: a publish naming a hash other than the current view's is refused.
        const user = String(args.user_id);
        const current = this.homeHashes.get(user);
        if (typeof args.hash === 'string' && current !== undefined && args.hash !== current)
          return { ok: false, error: 'hash_conflict' };
        const hash = `${++this.tsCounter}.home`;
        this.homeHashes.set(user, hash);
        const view =
          typeof args.view === 'string' ? (JSON.parse(args.view) as object) : (args.view as object);
        return { ok: true, view: { id: `V${user}`, hash, ...view } };
      }
      case 'views.open':
      case 'views.update':
        return { ok: true, view: { id: `V${++this.tsCounter}`, ...(args.view as object) } };
      case 'conversations.open':
        return {
          ok: true,
          channel: { id: `D${typeof args.users === 'string' ? args.users.replace(/,/g, '') : 'X'}` },
        };
      case 'files.getUploadURLExternal': {
        const id = `F${++this.tsCounter}`;
        this.uploads.set(id, { filename: String(args.filename), length: Number(args.length) });
        return { ok: true, upload_url: `${this.url}/upload/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal': {
        const files = (args.files as { id: string; title?: string }[] | undefined) ?? [];
        const shared = [];
        for (const file of files) {
          const upload = this.uploads.get(file.id);
          if (!upload || upload.content === undefined) return { ok: false, error: 'file_not_found' };
          this.files.push({
            channel: String(args.channel_id),
            threadTs: typeof args.thread_ts === 'string' ? args.thread_ts : undefined,
            filename: upload.filename,
            title: file.title ?? upload.filename,
            content: upload.content,
          });
          shared.push({ id: file.id, title: file.title ?? upload.filename });
        }
        return { ok: true, files: shared };
      }
      case 'apps.connections.open':
        return { ok: true, url: `${this.url.replace('http', 'ws')}/socket` };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }
}
