import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

export interface HttpTransportOptions {
  /** Every request gives up after this long, whether or not its caller passed a signal of its own. */
  timeoutMs: number;
  /** A larger answer is refused (Slack's answers to the methods we call are a few KB). */
  maxResponseBytes?: number;
  /**
   * An idle kept-alive connection is closed after this long (4 s), before a server's own idle timeout (often
   * 5 s) can close it under a request being sent on it.
   */
  idleConnectionMs?: number;
}

/** Statuses whose Response must have no body (fetch's "null body status"). */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * A `fetch` for Slack's Web API and response_urls over node:http with keep-alive connections.
 *
 * Why not the global fetch: each of its calls costs about 0.4 ms of CPU and 25 KB of garbage (request and
 * response bodies become WebStreams). Every button press posts its reply to a response_url, so at a few
 * hundred presses a second that was a third of the bot's CPU and the scavenges behind its ack tail. Here
 * a call costs about 0.15 ms.
 *
 * It answers with a real `Response`, so Bolt and the Web API client read it as they read fetch's. What it
 * does differently, on purpose:
 * - a deadline on every call: Bolt's `respond` passes no signal, and a hung response_url would otherwise
 *   keep the press's listener open for good;
 * - redirects are refused, never followed: neither the Web API nor a response_url redirects, and a bot
 *   token must not follow one to another host;
 * - bodies it cannot send as bytes (FormData, streams: file uploads) go through the global fetch, under
 *   the same deadline.
 */
export function createHttpTransport(options: HttpTransportOptions): typeof fetch {
  const maxResponseBytes = options.maxResponseBytes ?? 8 * 1024 * 1024;
  const agentOptions = { keepAlive: true, maxSockets: 64, timeout: options.idleConnectionMs ?? 4_000 };
  const httpAgent = new HttpAgent(agentOptions);
  const httpsAgent = new HttpsAgent(agentOptions);
  return async (input, init = {}) => {
    const body = sendable(init.body);
    const url = input instanceof Request ? undefined : new URL(input);
    if (!url || body === unsupported || !(url.protocol === 'http:' || url.protocol === 'https:')) {
      const deadline = AbortSignal.timeout(options.timeoutMs);
      return fetch(input, {
        ...init,
        signal: init.signal ? AbortSignal.any([init.signal, deadline]) : deadline,
      });
    }
    init.signal?.throwIfAborted();
    const headers = headerRecord(init.headers);
    if (body !== undefined) {
      headers['content-length'] = String(Buffer.byteLength(body));
      // fetch's defaults, for a caller that names no type.
      if (typeof init.body === 'string') headers['content-type'] ??= 'text/plain;charset=UTF-8';
      if (init.body instanceof URLSearchParams)
        headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
    }
    const secure = url.protocol === 'https:';
    const idempotent = ['GET', 'HEAD', 'OPTIONS'].includes((init.method ?? 'GET').toUpperCase());
    const send = secure ? httpsRequest : httpRequest;
    return new Promise<Response>((resolve, reject) => {
      const open = () =>
        send(url, { method: init.method ?? 'GET', headers, agent: secure ? httpsAgent : httpAgent });
      let req = open();
      // A plain timer, cleared on the answer: AbortSignal.timeout's would live on for the whole deadline.
      const timer = setTimeout(
        () => stop(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
        options.timeoutMs,
      );
      const onAbort = () => stop(init.signal?.reason);
      init.signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => {
        clearTimeout(timer);
        init.signal?.removeEventListener('abort', onAbort);
      };
      let stopped = false;
      function stop(reason: unknown) {
        stopped = true;
        settle();
        req.destroy();
        // As fetch does: the signal's reason, which callers tell a timeout from an abort by.
        reject(
          reason instanceof Error ? reason : new DOMException('This operation was aborted', 'AbortError'),
        );
      }
      const fail = (cause: unknown) => {
        settle();
        reject(new TypeError('fetch failed', { cause }));
      };
      let answered = false;
      const wire = (retried: boolean) => {
        req.once('error', (error: NodeJS.ErrnoException) => {
          // A kept-alive connection the server closed just as we reused it (Node's documented case for
          // req.reusedSocket): sent once more on a new connection, but only a read. A POST may have reached
          // the server before the reset (Slack may have stored the message), so its caller decides.
          if (
            !retried &&
            !answered &&
            !stopped &&
            idempotent &&
            req.reusedSocket &&
            error.code === 'ECONNRESET'
          ) {
            req = open();
            wire(true);
            return;
          }
          fail(error);
        });
        req.once('response', (res) => {
          answered = true;
          readBody(res, maxResponseBytes)
            .then((bytes) => {
              settle();
              const status = res.statusCode ?? 0;
              if (status >= 300 && status < 400 && init.redirect !== 'manual') {
                throw new Error(`refused to follow a redirect (${status})`);
              }
              resolve(
                new Response(NULL_BODY_STATUSES.has(status) ? null : decoded(bytes, res), {
                  status,
                  statusText: res.statusMessage ?? '',
                  headers: headerPairs(res.rawHeaders),
                }),
              );
            })
            .catch((error: unknown) => {
              res.destroy();
              fail(error);
            });
        });
        req.end(body);
      };
      wire(false);
    });
  };
}

const unsupported = Symbol('unsupported body');

/** Text stays text: Node writes a string body with the headers in one write, a Buffer in two. */
function sendable(body: RequestInit['body']): string | Buffer | undefined | typeof unsupported {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  return unsupported;
}

function headerRecord(headers: RequestInit['headers']): Record<string, string> {
  const record: Record<string, string> = {};
  if (!headers) return record;
  if (headers instanceof Headers || Array.isArray(headers)) {
    for (const [name, value] of new Headers(headers)) record[name] = value;
    return record;
  }
  for (const [name, value] of Object.entries(headers)) {
    record[name.toLowerCase()] = typeof value === 'string' ? value : value.join(', ');
  }
  return record;
}

function headerPairs(raw: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
  return pairs;
}

function readBody(res: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) reject(new Error(`the answer is larger than ${limit} bytes`));
      else chunks.push(chunk);
    });
    res.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    res.once('error', reject);
    res.once('close', () => {
      if (!res.complete) reject(new Error('the connection closed mid-answer'));
    });
  });
}

/** We send no Accept-Encoding, so servers answer plainly; this covers one that compresses anyway. */
function decoded(bytes: Buffer, res: IncomingMessage): Buffer {
  switch (res.headers['content-encoding']) {
    case 'gzip':
      return gunzipSync(bytes);
    case 'deflate':
      return inflateSync(bytes);
    case 'br':
      return brotliDecompressSync(bytes);
    default:
      return bytes;
  }
}
