// The playground's Slack side: the page, its state, and what a person does, sent to the bot as Slack would.
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from '../vendor/zod.js';
import { sendJson, type RouteHandler } from '../http/server.js';
import type { Logger } from '../logger.js';
import type { SlackPlatform } from './interactions.js';
import { clockView, isTourDryRun, panelRoutes, type PanelDeps } from './panel-routes.js';
import { homeRequest, jsonPost, USER_ID } from './requests.js';
import { renderMessageBody, type RenderContext } from './render.js';
import type { SlackEmulator, StoredMessage, StoredView } from './slack-emulator.js';
import { GROUPS, RELEASES_CHANNEL, USERS, userById } from './workspace.js';

/** src/playground and dist/playground both sit two levels below the package root. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const STATIC = resolve(ROOT, 'src/playground/static');

const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/playground/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/playground/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

export interface SlashCommandHint {
  command: string;
  description: string;
  usage: string;
}

/** The slash commands and their usage hints, as the manifest gives them to Slack. */
export function manifestCommands(path = resolve(ROOT, 'manifest.yml')): SlashCommandHint[] {
  const manifest = z
    .object({
      features: z.object({
        slash_commands: z.array(
          z.object({ command: z.string(), description: z.string(), usage_hint: z.string().optional() }),
        ),
      }),
    })
    .parse(parse(readFileSync(path, 'utf8')));
  return manifest.features.slash_commands.map((c) => ({
    command: c.command,
    description: c.description,
    usage: c.usage_hint ?? '',
  }));
}

const CONVERSATION = z
  .string()
  .refine(
    (id) => id === RELEASES_CHANNEL.id || (id.startsWith('D') && userById(id.slice(1)) !== undefined),
    'not a conversation of the playground',
  );

const commandRequest = z.object({
  as: USER_ID,
  channel: CONVERSATION,
  text: z.string().trim().min(1).max(4000),
});
const actionRequest = z.object({
  as: USER_ID,
  source: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('message'), channel: CONVERSATION, ts: z.string().max(40) }),
    z.object({ kind: z.literal('home') }),
    z.object({ kind: z.literal('modal'), viewId: z.string().max(40) }),
  ]),
  actionId: z.string().min(1).max(255),
  blockId: z.string().max(255),
  value: z.string().max(2000),
});
const submitRequest = z.object({
  as: USER_ID,
  viewId: z.string().max(40),
  values: z.record(z.string().max(255), z.record(z.string().max(255), z.string().max(3000))),
});
const viewRequest = z.object({ as: USER_ID, viewId: z.string().max(40) });

function renderContext(): RenderContext {
  return {
    userName: (id) => userById(id)?.name ?? (id.startsWith('UPLAYBOT') ? 'release-bot' : undefined),
    channelName: (id) => (id === RELEASES_CHANNEL.id ? RELEASES_CHANNEL.name : undefined),
    groupHandle: (id) => GROUPS.find((g) => g.id === id)?.handle,
  };
}

interface ButtonFound {
  actionId: string;
  blockId: string;
  value: string;
  text: string;
}

/** The button as the bot sent it: a press must name one that is really there. */
function findButton(
  blocks: unknown,
  pressed: { actionId: string; blockId: string; value: string },
): ButtonFound | undefined {
  if (!Array.isArray(blocks)) return undefined;
  for (const [index, raw] of blocks.entries()) {
    const block = raw as { block_id?: string; elements?: unknown[]; accessory?: unknown };
    const blockId = block.block_id ?? `b${index}`;
    if (blockId !== pressed.blockId) continue;
    for (const element of [...(block.elements ?? []), block.accessory]) {
      const e = element as
        { type?: string; action_id?: string; value?: string; text?: { text?: string } } | undefined;
      if (e?.type === 'button' && e.action_id === pressed.actionId && (e.value ?? '') === pressed.value) {
        return { actionId: pressed.actionId, blockId, value: pressed.value, text: e.text?.text ?? '' };
      }
    }
  }
  return undefined;
}

function viewSummary(view: StoredView, ctx: RenderContext) {
  const v = view.view as { title?: { text?: string }; submit?: { text?: string }; close?: { text?: string } };
  return {
    id: view.id,
    title: v.title?.text ?? '',
    submit: v.submit?.text ?? null,
    close: v.close?.text ?? 'Cancel',
    html: renderMessageBody(view.view, ctx),
  };
}

/**
 * The playground's page and endpoints on the bot's own server: the page asks for the workspace as one
 * person sees it, and sends what they do; those become signed Slack requests to /slack/events.
 */
export function playgroundRoutes(
  emulator: SlackEmulator,
  platform: SlackPlatform,
  logger: Logger,
  extras: Omit<PanelDeps, 'emulator' | 'logger'> = {},
): Record<string, RouteHandler> {
  const commands = manifestCommands();
  const ctx = renderContext();
  const routes: Record<string, RouteHandler> = { ...panelRoutes({ emulator, logger, ...extras }) };
  const post = jsonPost(logger);

  for (const [path, asset] of Object.entries(ASSETS)) {
    routes[`GET ${path}`] = (_req, res) => {
      const body = readFileSync(resolve(STATIC, asset.file));
      res.writeHead(200, {
        'content-type': asset.type,
        'content-length': body.length,
        'cache-control': 'no-cache',
      });
      res.end(body);
      return Promise.resolve();
    };
  }

  const toClient = (m: StoredMessage, replies: number) => ({
    ts: m.ts,
    author: m.author,
    ephemeral: m.ephemeralFor !== undefined,
    edited: m.edited === true,
    threadTs: m.threadTs ?? null,
    replies,
    at: m.at,
    html: renderMessageBody(m, ctx),
  });

  routes['GET /playground/state'] = async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://playground');
    const as = USER_ID.safeParse(url.searchParams.get('as'));
    const channel = CONVERSATION.safeParse(url.searchParams.get('channel') ?? RELEASES_CHANNEL.id);
    if (!as.success || !channel.success) {
      sendJson(res, 400, {
        error: 'invalid_query',
        reason: 'as= must be a playground user and channel= one of its conversations',
      });
      return Promise.resolve();
    }
    const visible = emulator.conversation(channel.data, as.data);
    const replyCount = (ts: string) => visible.filter((m) => m.threadTs === ts).length;
    const thread = url.searchParams.get('thread');
    const parent = thread ? visible.find((m) => m.ts === thread && !m.threadTs) : undefined;
    const modal = emulator.topModal(as.data);
    const home = emulator.home(as.data);
    sendJson(res, 200, {
      me: as.data,
      users: USERS,
      conversations: [
        { id: RELEASES_CHANNEL.id, name: `#${RELEASES_CHANNEL.name}` },
        { id: `D${as.data}`, name: 'release-bot', dm: true },
      ],
      dmCount: emulator.conversation(`D${as.data}`, as.data).length,
      channel: channel.data,
      messages: visible
        .filter((m) => !m.threadTs || m.broadcast)
        .map((m) => toClient(m, m.threadTs ? 0 : replyCount(m.ts))),
      thread: parent
        ? {
            parent: toClient(parent, 0),
            replies: visible.filter((m) => m.threadTs === parent.ts).map((m) => toClient(m, 0)),
          }
        : null,
      modal: modal ? viewSummary(modal, ctx) : null,
      home: home ? { html: renderMessageBody(home.view, ctx) } : null,
      clock: await clockView({ emulator, logger, ...extras }),
      commands,
    });
    return Promise.resolve();
  };

  routes['GET /playground/events'] = (req, res) => {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.write('retry: 1000\n\n');
    let pending: NodeJS.Timeout | undefined;
    const unsubscribe = emulator.onChange(() => {
      // Coalesce a burst (a post and its update) into one refresh.
      pending ??= setTimeout(() => {
        pending = undefined;
        res.write('data: changed\n\n');
      }, 20);
    });
    req.on('close', () => {
      unsubscribe();
      if (pending) clearTimeout(pending);
    });
    return Promise.resolve();
  };

  routes['POST /playground/command'] = post(commandRequest, async ({ as, channel, text }, res) => {
    const [command = '', ...rest] = text.split(/\s+/);
    if (!commands.some((c) => c.command === command)) {
      sendJson(res, 400, {
        error: 'unknown_command',
        reason: `${command.slice(0, 40)} is not a command of this app: try ${commands.map((c) => c.command).join(' or ')}`,
      });
      return;
    }
    const answer = await platform.slashCommand({ user: as, channel, command, text: rest.join(' ') });
    if (answer.status === 200 && command === '/devenv' && isTourDryRun(rest))
      extras.session?.mark('devenv_dry_run');
    sendJson(res, answer.status === 200 ? 200 : 502, { ok: answer.status === 200, status: answer.status });
  });

  routes['POST /playground/action'] = post(actionRequest, async ({ as, source, ...pressed }, res) => {
    if (source.kind === 'message') {
      const message = emulator.findMessage(source.channel, source.ts);
      const visible = message && (message.ephemeralFor === undefined || message.ephemeralFor === as);
      const action = visible ? findButton(message.blocks, pressed) : undefined;
      if (!message || !action) {
        sendJson(res, 404, {
          error: 'no_such_button',
          reason: 'that button is not on a message you can see',
        });
        return;
      }
      const answer = await platform.messageAction({ user: as, message, action });
      sendJson(res, 200, { ok: answer.status === 200 });
      return;
    }
    const view = source.kind === 'home' ? emulator.home(as) : emulator.topModal(as);
    const action =
      view && (source.kind === 'home' || view.id === source.viewId)
        ? findButton(view.view.blocks, pressed)
        : undefined;
    if (!view || !action) {
      sendJson(res, 404, { error: 'no_such_button', reason: 'that button is not in a view you can see' });
      return;
    }
    const answer = await platform.viewAction({ user: as, view, action });
    sendJson(res, 200, { ok: answer.status === 200 });
  });

  routes['POST /playground/submit'] = post(submitRequest, async ({ as, viewId, values }, res) => {
    const view = emulator.topModal(as);
    if (!view || view.id !== viewId) {
      sendJson(res, 404, { error: 'no_such_view', reason: 'that form is no longer open' });
      return;
    }
    const answer = await platform.viewSubmission({ user: as, view, values });
    const action = answer.body?.response_action;
    if (action === 'errors') {
      sendJson(res, 200, { ok: false, errors: answer.body?.errors ?? {} });
      return;
    }
    if (action === 'update' || action === 'push') {
      emulator.replaceModal(
        as,
        view.id,
        (answer.body?.view ?? {}) as Record<string, unknown>,
        action === 'push',
      );
    } else emulator.closeModal(as, view.id, action === 'clear');
    sendJson(res, 200, { ok: answer.status === 200 });
  });

  routes['POST /playground/close'] = post(viewRequest, async ({ as, viewId }, res) => {
    const view = emulator.topModal(as);
    if (!view || view.id !== viewId) {
      sendJson(res, 404, { error: 'no_such_view', reason: 'that form is no longer open' });
      return;
    }
    emulator.closeModal(as, view.id);
    if ((view.view as { notify_on_close?: boolean }).notify_on_close)
      await platform.viewClosed({ user: as, view });
    sendJson(res, 200, { ok: true });
  });

  routes['POST /playground/reload'] = post(homeRequest, ({ as }, res) => {
    sendJson(res, 200, { ok: true, dropped: emulator.dropEphemerals(as) });
    return Promise.resolve();
  });

  routes['POST /playground/home'] = post(homeRequest, async ({ as }, res) => {
    const answer = await platform.appHomeOpened(as);
    sendJson(res, 200, { ok: answer.status === 200 });
  });

  // Every route, page and API alike, answers only the loopback page itself (DNS rebinding, other sites).
  for (const [key, handler] of Object.entries(routes)) {
    routes[key] = (req, res) => {
      const problem = foreignRequestProblem(req);
      if (problem) {
        sendJson(res, 403, { error: 'forbidden', reason: problem });
        return Promise.resolve();
      }
      return handler(req, res);
    };
  }
  return routes;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Why a request did not come from the playground's own page on loopback, if it did not. */
export function foreignRequestProblem(req: IncomingMessage): string | undefined {
  const port = String(req.socket.localPort ?? '');
  const isLoopback = (hostPort: string) => {
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostPort.toLowerCase());
    return match !== null && LOOPBACK_HOSTS.has(match[1]!) && (match[2] ?? '80') === port;
  };
  const host = req.headers.host ?? '';
  if (!isLoopback(host)) return 'the playground answers only its own page on loopback (Host)';
  const origin = req.headers.origin;
  if (origin !== undefined) {
    const match = /^http:\/\/(.+)$/i.exec(origin);
    if (!match || !isLoopback(match[1]!))
      return 'the playground answers only its own page on loopback (Origin)';
  }
  return undefined;
}
