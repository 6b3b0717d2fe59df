import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { serviceVirtualServiceName } from '../../src/domain/devenv/names.js';
import { MANAGER, replyText, startTestBot } from '../support/bot-harness.js';
import { startBotProcess, type BotProcess } from '../support/bot-process.js';
import { queryRows } from '../support/db.js';
import {
  createService,
  freshNamespace,
  kubeConfig,
  kubeconfigWithContext,
  listNames,
} from '../support/kube.js';
import { slashCommandBody } from '../support/slack-payloads.js';
import { SlackStandIn } from '../support/slack-stand-in.js';

const LEASE_SECONDS = 3;

async function ready(bot: BotProcess): Promise<{ status: number; body: { checks: Record<string, string> } }> {
  const res = await fetch(`${bot.baseUrl}/readyz`);
  return { status: res.status, body: (await res.json()) as { checks: Record<string, string> } };
}

async function metric(bot: BotProcess, name: string): Promise<number> {
  const text = await (await fetch(`${bot.baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('timed out');
}

describe('one active instance, enforced with a Lease (real kube-apiserver, two processes)', () => {
  const kubeconfigPath = inject('kubeconfigPath');
  const kc = kubeConfig(kubeconfigPath);
  let slack: SlackStandIn;
  let dir: string;
  let bots: BotProcess[] = [];
  let ns: string;

  beforeEach(async () => {
    slack = await new SlackStandIn().start();
    dir = mkdtempSync(join(tmpdir(), 'release-bot-lease-'));
    ns = await freshNamespace(kc, 'preprod');
    await createService(kc, ns, 'blog-service');
  });
  afterEach(async () => {
    for (const bot of bots) await bot.kill('SIGKILL');
    bots = [];
    await slack.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stands by, not ready and changing nothing, when it may not hold the Lease (403)', async () => {
    const t = await startTestBot({
      KUBECONFIG: kubeconfigWithContext(kubeconfigPath, 'restricted'),
      DEVENV_PREPROD_NAMESPACE: ns,
      LEADER_ELECTION: 'on',
    });
    try {
      const ready = await fetch(`${t.baseUrl}/readyz`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { checks: Record<string, string> }).checks.lease).toBe(
        'another instance holds the Lease (standby)',
      );
      expect(replyText(await t.command('/release', 'create 9.9'))).toContain('on standby');
      expect(queryRows(t.databasePath, 'select count(*) n from releases')).toEqual([{ n: 0 }]);
    } finally {
      await t.stop();
    }
  });

  it('lets exactly one reconcile, refuses work on the standby, and fails over within the lease duration', async () => {
    // Both share one database, as a replacement pod re-attaching the volume would.
    const env = {
      KUBECONFIG: kubeconfigPath,
      DEVENV_PREPROD_NAMESPACE: ns,
      DEVENV_NAMESPACE_TEMPLATE: `${ns}-{env}`,
      DEVENV_RECONCILE_INTERVAL: '1s',
      LEASE_DURATION: `${LEASE_SECONDS}s`,
      GATE_API_TOKEN: 'gate-token',
    };
    const databasePath = join(dir, 'bot.sqlite');
    const active = await startBotProcess(slack, databasePath, { ...env, POD_NAME: 'pod-a' });
    bots.push(active);
    await until(async () => (await ready(active)).status === 200, 10_000);
    const standby = await startBotProcess(slack, databasePath, { ...env, POD_NAME: 'pod-b' });
    bots.push(standby);

    const standbyReady = await ready(standby);
    expect(standbyReady.status).toBe(503);
    expect(standbyReady.body.checks.lease).toBe('another instance holds the Lease (standby)');
    const refused = await standby.send(
      slashCommandBody({
        command: '/release',
        text: 'create 9.9',
        userId: MANAGER,
        responseUrl: `${slack.url}/response/x`,
      }),
    );
    expect(refused.text).toContain('on standby; another one is active');
    expect(queryRows(databasePath, 'select count(*) n from releases')).toEqual([{ n: 0 }]);
    const gate = await fetch(`${standby.baseUrl}/api/v1/gate/check`, { method: 'POST', body: '{}' });
    expect(gate.status).toBe(503);

    expect(
      await active.send(
        slashCommandBody({
          command: '/devenv',
          text: 'blog-service name=ana',
          userId: 'UDEV00001',
          responseUrl: `${slack.url}/response/y`,
        }),
      ),
    ).toMatchObject({ status: 200 });
    const vs = serviceVirtualServiceName('blog-service');
    await until(async () => (await listNames(kc, ns, 'virtualservices')).includes(vs), 10_000);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await metric(active, 'release_bot_devenv_reconcile_duration_seconds_count')).toBeGreaterThan(0);
    expect(await metric(standby, 'release_bot_devenv_reconcile_duration_seconds_count')).toBe(0);
    expect(await metric(standby, 'release_bot_leader')).toBe(0);

    await active.kill('SIGKILL');
    const tookOver = await until(async () => (await ready(standby)).status === 200, 3 * LEASE_SECONDS * 1000);
    // At most the lease duration plus one retry period (a third of it), plus the probe's poll.
    expect(tookOver).toBeLessThan(LEASE_SECONDS * 1000 * (4 / 3) + 1000);
    console.log(`standby took over ${tookOver} ms after the holder was SIGKILLed (lease ${LEASE_SECONDS} s)`);
    await until(
      async () => (await metric(standby, 'release_bot_devenv_reconcile_duration_seconds_count')) > 0,
      5_000,
    );
    // The new holder reconciles from the same database: the environment's routes stay.
    expect(await listNames(kc, ns, 'virtualservices')).toEqual([vs]);
    expect(queryRows(databasePath, 'select name, state from devenvs')).toEqual([
      { name: 'ana', state: 'live' },
    ]);
  }, 60_000);
});
