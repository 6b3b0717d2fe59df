import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBot, type TestBot } from '../support/bot-harness.js';
import { askGate, GATE_TOKEN } from '../support/gate-client.js';
import { startPostgres, type RunningPostgres } from '../support/postgres.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

describe('a PostgreSQL that stops answering (a real server behind a proxy that hangs)', () => {
  let server: RunningPostgres;
  let proxy: TcpProxy;
  let t: TestBot;

  // Far above DATABASE_TIMEOUT: a bot that waited on the database for ever fails here.
  const gate = (commit: string) => askGate(t.baseUrl, { issues: [], commit }, AbortSignal.timeout(15_000));

  beforeAll(async () => {
    server = await startPostgres();
    const url = new URL(server.url);
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port) });
    url.port = String(proxy.port);
    t = await startTestBot({
      DATABASE_URL: url.toString(),
      DATABASE_TIMEOUT: '2s',
      GATE_API_TOKEN: GATE_TOKEN,
      LEADER_ELECTION: 'off',
    });
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
    await proxy?.stop();
    await server?.stop();
  });

  it('answers within its timeout while the database hangs, says so in /readyz, and serves again once it answers', async () => {
    expect((await gate('before')).status).toBe(200);

    proxy.hang();
    const hung = await gate('during');
    expect(hung.status).toBe(503);
    expect(hung.body).toMatchObject({ error: expect.stringMatching(/database/i) as unknown });
    const ready = await fetch(`${t.baseUrl}/readyz`, { signal: AbortSignal.timeout(15_000) });
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks.database).toContain(
      'the database cannot be reached',
    );

    proxy.heal();
    // Connections stuck behind the hang are dropped, not handed to the next request.
    const after = await gate('after');
    expect(after.status).toBe(200);
    const readyAgain = await fetch(`${t.baseUrl}/readyz`, { signal: AbortSignal.timeout(15_000) });
    expect(((await readyAgain.json()) as { checks: Record<string, string> }).checks.database).toBe('ok');
  }, 60_000);
});
