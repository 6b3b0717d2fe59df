import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer, sendJson } from '../../../src/http/server.js';
import { createLogger } from '../../../src/logger.js';

/** Writes `parts` to the server (never finishing the request unless they do) and returns what comes back. */
function trickle(port: number, parts: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    for (const part of parts) socket.write(part);
  });
}

describe('the HTTP server', () => {
  let server: Server;
  const limits = { headersTimeoutMs: 300, requestTimeoutMs: 600, checkIntervalMs: 50 };

  async function start(accepting?: () => boolean): Promise<number> {
    server = createHttpServer(
      {
        ...(accepting ? { accepting } : {}),
        api: {
          'POST /api/v1/gate/check': async (req, res) => {
            for await (const chunk of req) void chunk;
            sendJson(res, 200, { allowed: true });
          },
        },
        liveness: () => undefined,
        readiness: [],
      },
      createLogger('silent'),
      limits,
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('once shutdown began, answers what still arrives on a kept-alive connection 503 and closes it', async () => {
    let open = true;
    const port = await start(() => open);
    const request = 'POST /api/v1/gate/check HTTP/1.1\r\nHost: bot\r\nContent-Length: 2\r\n\r\n{}';
    // Two requests on one connection: the first before the shutdown, the second after it.
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (open && text.includes('"allowed":true')) {
          open = false;
          socket.write(request);
        }
      });
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
      socket.write(request);
    });
    const [first, second] = answer.split(/(?=HTTP\/1\.1 )/);
    expect(first).toMatch(/^HTTP\/1\.1 200 /);
    expect(second).toMatch(/^HTTP\/1\.1 503 /);
    expect(second).toMatch(/\r\nconnection: close\r\n/i);
    expect(second).toMatch(/\r\nretry-after: 1\r\n/i);
    expect(second).toContain('"error":"shutting_down"');
  });

  it('answers 408 and closes the connection of a client that never finishes its headers', async () => {
    const port = await start();
    const answer = await trickle(port, ['POST /api/v1/gate/check HTTP/1.1\r\nHost: bot\r\n']);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('answers 408 and closes the connection of a client that never finishes its body', async () => {
    const port = await start();
    const answer = await trickle(port, [
      'POST /api/v1/gate/check HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"service":',
    ]);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('serves a client that sends its request whole', async () => {
    const port = await start();
    const body = '{}';
    const answer = await trickle(port, [
      `POST /api/v1/gate/check HTTP/1.1\r\nHost: bot\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    ]);
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
  });
});
