import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { webApi } from '../../../src/vendor/bolt.js';
import { createHttpTransport } from '../../../src/slack/http-transport.js';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A plain HTTP server on loopback that records what arrives and answers as each test tells it. */
class Origin {
  readonly received: Received[] = [];
  connections = 0;
  closedConnections = 0;
  answer: (req: Received, res: ServerResponse) => void = (_req, res) => res.end('ok');
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const received = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        this.received.push(received);
        this.answer(received, res);
      });
    });
    this.server.on('connection', (socket) => {
      this.connections++;
      socket.on('close', () => this.closedConnections++);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

describe('the Slack HTTP transport', () => {
  let origin: Origin;
  const transport = createHttpTransport({ timeoutMs: 300, maxResponseBytes: 1024 });

  beforeEach(async () => {
    origin = await new Origin().start();
  });
  afterEach(async () => {
    await origin.stop();
  });

  it('sends the method, headers and body, and answers with a Response', async () => {
    origin.answer = (_req, res) => {
      res.writeHead(201, 'Made', { 'content-type': 'application/json', 'x-oauth-scopes': 'chat:write' });
      res.end('{"ok":true}');
    };
    const res = await transport(`${origin.url}/actions/T1/2/abc`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: 'héllo' }),
    });
    expect(origin.received[0]).toMatchObject({
      method: 'POST',
      url: '/actions/T1/2/abc',
      body: '{"text":"héllo"}',
      headers: { 'content-type': 'application/json', 'content-length': '17' },
    });
    expect(res).toBeInstanceOf(Response);
    expect([res.status, res.statusText, res.ok]).toEqual([201, 'Made', true]);
    expect(res.headers.get('x-oauth-scopes')).toBe('chat:write');
    expect(await res.json()).toEqual({ ok: true });
  });

  it('types a body the caller left untyped as fetch does', async () => {
    await (
      await transport(origin.url, { method: 'POST', body: new URLSearchParams({ text: 'a b' }) })
    ).text();
    await (await transport(origin.url, { method: 'POST', body: 'plain' })).text();
    expect(origin.received.map((r) => [r.headers['content-type'], r.body])).toEqual([
      ['application/x-www-form-urlencoded;charset=UTF-8', 'text=a+b'],
      ['text/plain;charset=UTF-8', 'plain'],
    ]);
  });

  it('keeps the connection open for the next call', async () => {
    for (let i = 0; i < 3; i++) await (await transport(origin.url, { method: 'POST', body: 'x' })).text();
    expect(origin.received).toHaveLength(3);
    expect(origin.connections).toBe(1);
  });

  it('closes a kept-alive connection it has not used for idleConnectionMs, before the server would', async () => {
    const quick = createHttpTransport({ timeoutMs: 300, idleConnectionMs: 100 });
    await (await quick(origin.url, { method: 'POST', body: 'x' })).text();
    expect(origin.closedConnections).toBe(0);
    await expect.poll(() => origin.closedConnections, { timeout: 2_000 }).toBe(1);
    await (await quick(origin.url, { method: 'POST', body: 'y' })).text();
    expect(origin.connections).toBe(2);
  });

  it('sends a read once more on a new connection when the server reset the kept-alive one it went on', async () => {
    origin.answer = (req, res) => {
      if (origin.received.length === 2) res.socket?.resetAndDestroy();
      else res.end(req.url);
    };
    expect(await (await transport(`${origin.url}/first`)).text()).toBe('/first');
    expect(await (await transport(`${origin.url}/second`)).text()).toBe('/second');
    expect(origin.received).toHaveLength(3);
    expect(origin.connections).toBe(2);
  });

  it('never sends a POST again after a reset: the server may have carried it out (Slack stored the message)', async () => {
    origin.answer = (req, res) => {
      if (origin.received.length === 2) res.socket?.resetAndDestroy();
      else res.end(req.body);
    };
    expect(await (await transport(origin.url, { method: 'POST', body: 'first' })).text()).toBe('first');
    const error = await transport(origin.url, { method: 'POST', body: 'second' }).catch((e: unknown) => e);
    expect((error as TypeError).cause).toMatchObject({ code: 'ECONNRESET' });
    expect(origin.received.map((r) => r.body)).toEqual(['first', 'second']);
  });

  it('does not send a request again when a fresh connection is reset', async () => {
    origin.answer = (_req, res) => res.socket?.resetAndDestroy();
    const error = await transport(origin.url, { method: 'POST', body: 'once' }).catch((e: unknown) => e);
    expect((error as TypeError).cause).toMatchObject({ code: 'ECONNRESET' });
    expect(origin.received).toHaveLength(1);
  });

  it('gives up at its deadline when the caller passed no signal, and closes the connection', async () => {
    let closed = false;
    origin.answer = (_req, res) => res.on('close', () => (closed = true));
    const error = await transport(origin.url, { method: 'POST', body: '{}' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TimeoutError' });
    await expect.poll(() => closed).toBe(true);
  });

  it("stops when the caller's signal aborts, with the caller's reason", async () => {
    origin.answer = () => undefined;
    const controller = new AbortController();
    const pending = transport(origin.url, { method: 'POST', body: '{}', signal: controller.signal });
    await expect.poll(() => origin.received.length).toBe(1);
    controller.abort(new Error('the caller went away'));
    await expect(pending).rejects.toThrow('the caller went away');
  });

  it('refuses to follow a redirect, so a token never goes to another host', async () => {
    const elsewhere = await new Origin().start();
    origin.answer = (_req, res) => {
      res.writeHead(302, { location: `${elsewhere.url}/steal` });
      res.end();
    };
    const error = await transport(`${origin.url}/api/chat.postMessage`, {
      method: 'POST',
      headers: { authorization: 'Bearer xoxb-secret' },
      body: 'channel=C1',
    }).catch((e: unknown) => e);
    await elsewhere.stop();
    expect(error).toBeInstanceOf(TypeError);
    expect(String((error as TypeError).cause)).toContain('refused to follow a redirect (302)');
    expect(elsewhere.received).toHaveLength(0);
  });

  it('refuses an answer larger than its limit', async () => {
    origin.answer = (_req, res) => res.end('x'.repeat(4096));
    const error = await transport(origin.url).catch((e: unknown) => e);
    expect(String((error as TypeError).cause)).toContain('larger than 1024 bytes');
  });

  it('fails like fetch when nothing listens', async () => {
    const url = origin.url;
    await origin.stop();
    const error = await transport(url, { method: 'POST', body: '{}' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).message).toBe('fetch failed');
    origin = await new Origin().start();
  });

  it('answers an empty-bodied status and a compressed answer as fetch would', async () => {
    origin.answer = (req, res) => {
      if (req.url === '/empty') {
        res.writeHead(204);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-encoding': 'gzip' });
      res.end(gzipSync('{"ok":true}'));
    };
    const empty = await transport(`${origin.url}/empty`, { method: 'POST', body: '{}' });
    expect([empty.status, empty.body]).toEqual([204, null]);
    expect(await (await transport(`${origin.url}/zipped`)).json()).toEqual({ ok: true });
  });

  it('sends a body it cannot send as bytes (a file upload form) through fetch', async () => {
    const form = new FormData();
    form.append('file', new Blob(['release notes']), 'notes.txt');
    await (await transport(origin.url, { method: 'POST', body: form })).text();
    expect(origin.received[0]?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(origin.received[0]?.body).toContain('release notes');
  });

  it("carries Slack's Web API client: form bodies, the answer, and a 429 with Retry-After", async () => {
    origin.answer = (req, res) => {
      if (req.url === '/api/chat.postMessage') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: true, channel: 'C1', ts: '1.2' }));
        return;
      }
      res.writeHead(429, { 'retry-after': '7', 'content-type': 'application/json' });
      res.end('{"ok":false,"error":"ratelimited"}');
    };
    const client = new webApi.WebClient('xoxb-test', {
      slackApiUrl: `${origin.url}/api/`,
      fetch: transport,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
    });
    expect(await client.chat.postMessage({ channel: 'C1', text: 'hi' })).toMatchObject({ ts: '1.2' });
    expect(new URLSearchParams(origin.received[0]?.body).get('text')).toBe('hi');
    expect(origin.received[0]?.headers.authorization).toBe('Bearer xoxb-test');
    await expect(client.chat.update({ channel: 'C1', ts: '1.2', text: 'x' })).rejects.toMatchObject({
      code: 'slack_webapi_rate_limited_error',
      retryAfter: 7,
    });
  });
});
