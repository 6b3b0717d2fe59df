import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from 'node:http';
import type { Logger } from '../logger.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** One readiness condition: its name, and why it fails (undefined when it holds). */
export interface ReadinessCheck {
  name: string;
  problem(): Promise<string | undefined> | string | undefined;
  /** Reported, but the instance stays ready: it works, with less than it should (a scope not granted). */
  advisory?: boolean;
}

export interface HttpRoutes {
  /** Bolt's request listener: verifies Slack's signature and dispatches. Absent in Socket Mode. */
  slackEvents?: RequestListener;
  /** `METHOD /path` → handler. */
  api: Record<string, RouteHandler>;
  /** Liveness: the process and its event loop; undefined when alive. */
  liveness: () => string | undefined;
  readiness: readonly ReadinessCheck[];
  /** Prometheus text; absent when METRICS_PORT serves it elsewhere. */
  metrics?: () => Promise<{ contentType: string; body: string }>;
  /**
   * False once shutdown began: what still arrives (on a kept-alive connection) gets 503 with
   * `Connection: close`, so a load balancer retries it on another replica instead of this stopping one.
   */
  accepting?: () => boolean;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

/** Every check, with what failed named in the body: an operator reads `/readyz` to learn why. */
export async function readinessReport(
  checks: readonly ReadinessCheck[],
): Promise<{ ready: boolean; checks: Record<string, string> }> {
  const results = await Promise.all(
    checks.map(async (c) => {
      try {
        return [c.name, (await c.problem()) ?? 'ok', c.advisory === true] as const;
      } catch (error) {
        return [c.name, `check failed: ${(error as Error).message}`, c.advisory === true] as const;
      }
    }),
  );
  return {
    ready: results.every(([, r, advisory]) => advisory || r === 'ok'),
    checks: Object.fromEntries(results.map(([name, r]) => [name, r])),
  };
}

export function metricsHandler(
  metrics: NonNullable<HttpRoutes['metrics']>,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (_req, res) => {
    void metrics().then(
      ({ contentType, body }) => {
        res.writeHead(200, { 'content-type': contentType });
        res.end(body);
      },
      () => {
        res.writeHead(500);
        res.end();
      },
    );
  };
}

/**
 * How long a client may take to send its request. Slack and pipelines send theirs at once; a client that
 * trickles headers or a body would otherwise hold a socket for Node's default 5 minutes.
 */
export interface RequestLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** How often Node looks for connections over those limits. */
  checkIntervalMs: number;
}

export const REQUEST_LIMITS: RequestLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  checkIntervalMs: 2_000,
};

/** Node's server options for those limits (the metrics port's server takes them too). */
export function serverOptions(limits: RequestLimits = REQUEST_LIMITS): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: limits.checkIntervalMs,
  };
}

/** The one HTTP server: Slack's endpoint, the probes, the metrics and our own API. */
export function createHttpServer(
  routes: HttpRoutes,
  logger: Logger,
  limits: RequestLimits = REQUEST_LIMITS,
): Server {
  const log = logger.child({ component: 'http' });
  const serveMetrics = routes.metrics ? metricsHandler(routes.metrics) : undefined;
  return createServer(serverOptions(limits), (req, res) => {
    if (routes.accepting && !routes.accepting()) {
      res.shouldKeepAlive = false;
      res.setHeader('retry-after', '1');
      sendJson(res, 503, { error: 'shutting_down', reason: 'this release-bot instance is stopping; retry' });
      return;
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const read = req.method === 'GET' || req.method === 'HEAD';
    if (path === '/slack/events' && routes.slackEvents && req.method === 'POST') {
      routes.slackEvents(req, res);
      return;
    }
    if (path === '/healthz' && read) {
      const problem = routes.liveness();
      sendJson(res, problem ? 503 : 200, problem ? { status: 'unhealthy', problem } : { status: 'ok' });
      return;
    }
    if (path === '/readyz' && read) {
      void readinessReport(routes.readiness).then((report) =>
        sendJson(res, report.ready ? 200 : 503, { status: report.ready ? 'ready' : 'not ready', ...report }),
      );
      return;
    }
    if (path === '/metrics' && read && serveMetrics) {
      serveMetrics(req, res);
      return;
    }
    const handler =
      routes.api[`${req.method ?? 'GET'} ${path}`] ?? prefixHandler(routes.api, req.method, path);
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

/** A `METHOD /prefix/*` route: the handler reads the rest of the path itself. */
function prefixHandler(
  api: Record<string, RouteHandler>,
  method: string | undefined,
  path: string,
): RouteHandler | undefined {
  for (const [key, handler] of Object.entries(api)) {
    if (!key.endsWith('/*')) continue;
    const [routeMethod, prefix = ''] = key.slice(0, -1).split(' ');
    if (routeMethod === (method ?? 'GET') && path.startsWith(prefix)) return handler;
  }
  return undefined;
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
