import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Logger } from '../logger.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface HttpRoutes {
  /** Bolt's request listener: verifies Slack's signature and dispatches. Absent in Socket Mode. */
  slackEvents?: RequestListener;
  /** `METHOD /path` → handler. */
  api: Record<string, RouteHandler>;
  isReady: () => boolean;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

/** The one HTTP server: Slack's endpoint, the health probe and our own API. */
export function createHttpServer(routes: HttpRoutes, logger: Logger): Server {
  const log = logger.child({ component: 'http' });
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/slack/events' && routes.slackEvents && req.method === 'POST') {
      routes.slackEvents(req, res);
      return;
    }
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      sendJson(res, routes.isReady() ? 200 : 503, { status: routes.isReady() ? 'ok' : 'starting' });
      return;
    }
    const handler = routes.api[`${req.method ?? 'GET'} ${path}`];
    if (!handler) {
      sendJson(res, 404, { error: 'not_found', reason: `no route ${req.method ?? ''} ${path}` });
      return;
    }
    handler(req, res).catch((error: unknown) => {
      log.error({ err: error, path }, 'api request failed');
      if (!res.headersSent)
        sendJson(res, 500, { error: 'internal', reason: 'internal error; see the bot log' });
      else res.end();
    });
  });
}

/** Reads a request body up to `limit` bytes; undefined if it is larger. */
export async function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
