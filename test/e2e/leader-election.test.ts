import * as k8s from '@kubernetes/client-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { serviceVirtualServiceName } from '../../src/domain/devenv/names.js';
import { KubeCluster } from '../../src/kube/cluster.js';
import { LeaseElector } from '../../src/kube/lease.js';
import { createLogger } from '../../src/logger.js';
import { MANAGER, replyText, SIGNING_SECRET, startTestBot } from '../support/bot-harness.js';
import { slackSignatureHeaders } from '../support/slack-signer.js';
import { releaseCommandTo, startBotProcess, type BotProcess } from '../support/bot-process.js';
import { queryRows } from '../support/db.js';
import {
  createService,
  freshNamespace,
  kubeConfig,
  kubeconfigWithContext,
  listNames,
} from '../support/kube.js';
import { RELEASE_CHANNEL, slashCommandBody } from '../support/slack-payloads.js';
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

/** Two processes on one database and one Lease: the first holds it (ready), the second stands by. */
async function holderAndStandby(
  slack: SlackStandIn,
  databasePath: string,
  env: Record<string, string>,
): Promise<[BotProcess, BotProcess]> {
  const holder = await startBotProcess(slack, databasePath, { ...env, POD_NAME: 'pod-a' });
  try {
    await until(async () => (await ready(holder)).status === 200, 10_000);
    return [holder, await startBotProcess(slack, databasePath, { ...env, POD_NAME: 'pod-b' })];
  } catch (error) {
    await holder.kill('SIGKILL');
    throw error;
  }
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
      expect(await t.rows('select count(*) n from releases')).toEqual([{ n: 0 }]);
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
    const [active, standby] = await holderAndStandby(slack, databasePath, env);
    bots.push(active, standby);

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

describe('a former holder writes nothing (real kube-apiserver, two processes, one database)', () => {
  const kubeconfigPath = inject('kubeconfigPath');
  const kc = kubeConfig(kubeconfigPath);
  let slack: SlackStandIn;
  let dir: string;
  let bots: BotProcess[] = [];

  beforeEach(async () => {
    slack = await new SlackStandIn().start();
    dir = mkdtempSync(join(tmpdir(), 'release-bot-fence-'));
  });
  afterEach(async () => {
    for (const bot of bots) {
      bot.signal('SIGCONT');
      await bot.kill('SIGKILL');
    }
    bots = [];
    await slack.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a holder paused mid-post past the lease and then resumed posts nothing more, and its writes are refused', async () => {
    const ns = await freshNamespace(kc, 'fence');
    const env = {
      KUBECONFIG: kubeconfigPath,
      DEVENV_PREPROD_NAMESPACE: ns,
      LEASE_DURATION: `${LEASE_SECONDS}s`,
      SLACK_TIMEOUT: '1s',
    };
    const databasePath = join(dir, 'bot.sqlite');
    const [holder, standby] = await holderAndStandby(slack, databasePath, env);
    bots.push(holder, standby);
    const command = releaseCommandTo(() => holder, slack);
    await command('create 2.4');
    // Slack stores the announcement at once and answers long after every deadline.
    slack.inject('chat.postMessage', { kind: 'slow', delayMs: 30_000 }, 1);
    await command('freeze 2.4');
    await slack.waitFor(() => slack.postsIn(RELEASE_CHANNEL).length === 1, 5_000);
    holder.signal('SIGSTOP');
    const pausedAt = Date.now();
    // The standby takes over after the lease duration, waits out the holder's claim, finds the post.
    await until(
      () =>
        Promise.resolve(
          queryRows(databasePath, "select count(*) n from outbox where state = 'pending'")[0]!.n === 0,
        ),
      20_000,
    );
    expect(slack.postsIn(RELEASE_CHANNEL)).toHaveLength(1);
    const before = queryRows(databasePath, 'select * from outbox');
    // Resumed: its timers fire late, its call times out; nothing of it may reach Slack or the database.
    holder.signal('SIGCONT');
    await new Promise((r) => setTimeout(r, 3_000));
    expect(Date.now() - pausedAt).toBeGreaterThan(LEASE_SECONDS * 1000);
    expect(slack.postsIn(RELEASE_CHANNEL)).toHaveLength(1);
    expect(slack.callsOf('chat.postMessage').filter((c) => !c.args.thread_ts)).toHaveLength(1);
    expect(queryRows(databasePath, 'select * from outbox')).toEqual(before);
    expect(before[0]).toMatchObject({ state: 'delivered', last_error: null });
    expect(String(before[0]!.claimed_by)).toMatch(/^pod-b-/);
    expect(queryRows(databasePath, 'select announcement_ts ts from releases')[0]!.ts).toBe(
      slack.postsIn(RELEASE_CHANNEL)[0]!.ts,
    );
    // Whichever came first on resume, the renew deadline's timer or the call's: the delivery stopped there.
    expect(holder.output()).toMatch(/outbox delivery (handed over|interrupted)/);
  }, 60_000);
  it('hands over within 2 s of SIGTERM under keep-alive traffic: what still arrives gets 503 and Connection: close', async () => {
    const ns = await freshNamespace(kc, 'handover');
    // The standby looks at the Lease every retry period: the handover is the holder's shutdown plus at most
    // one period (client-go's 2 s by default; 1 s here).
    const env = {
      KUBECONFIG: kubeconfigPath,
      DEVENV_PREPROD_NAMESPACE: ns,
      SHUTDOWN_GRACE: '10s',
      LEASE_RETRY_PERIOD: '1s',
    };
    const databasePath = join(dir, 'bot.sqlite');
    const [holder, standby] = await holderAndStandby(slack, databasePath, env);
    bots.push(holder, standby);
    // An ingress-style client: one kept-alive connection, a signed command every 50 ms.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const answers: { status: number; connection: string | undefined; at: number }[] = [];
    let sending = true;
    const traffic = (async () => {
      while (sending) {
        const body = slashCommandBody({
          command: '/release',
          text: 'help',
          userId: MANAGER,
          responseUrl: `${slack.url}/response/k`,
        });
        const answer = await new Promise<{ status: number; connection: string | undefined } | undefined>(
          (resolve) => {
            const req = request(
              `${holder.baseUrl}/slack/events`,
              { method: 'POST', agent, headers: slackSignatureHeaders(SIGNING_SECRET, body) },
              (res) => {
                res.resume();
                res.on('end', () =>
                  resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }),
                );
              },
            );
            req.on('error', () => resolve(undefined));
            req.end(body);
          },
        );
        if (answer) answers.push({ ...answer, at: Date.now() });
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    const signalled = Date.now();
    const exited = holder.kill('SIGTERM');
    const tookOver = await until(async () => (await ready(standby)).status === 200, 10_000);
    sending = false;
    await traffic;
    agent.destroy();
    expect(await exited).toBe(0);
    console.log(`standby ready ${tookOver} ms after SIGTERM to the holder under keep-alive traffic`);
    expect(tookOver).toBeLessThan(2_000);
    const after = answers.filter((a) => a.at > signalled);
    // Whatever the stopping holder still answered on the kept-alive connection, it answered 503 and closed it.
    for (const answer of after) expect(answer).toMatchObject({ status: 503, connection: 'close' });
    expect(answers.filter((a) => a.at <= signalled).every((a) => a.status === 200)).toBe(true);
  }, 40_000);
});

describe('the Lease by client-go’s rules (real kube-apiserver)', () => {
  const kubeconfigPath = inject('kubeconfigPath');
  const kc = kubeConfig(kubeconfigPath);
  const electors: LeaseElector[] = [];
  const elector = (namespace: string, identity: string, now: () => number = Date.now) => {
    const e = new LeaseElector(
      new KubeCluster(kc, 5_000),
      {
        namespace,
        name: 'release-bot',
        identity,
        leaseDurationSeconds: 3,
        renewDeadlineSeconds: 2,
        retryPeriodSeconds: 0.4,
      },
      createLogger('silent'),
      now,
    );
    electors.push(e);
    return e;
  };
  afterEach(async () => {
    for (const e of electors.splice(0)) await e.release();
  });

  it('a standby whose clock runs 30 s ahead never takes the Lease from a healthy holder', async () => {
    const ns = await freshNamespace(kc, 'skew');
    const holder = elector(ns, 'holder');
    expect(await holder.tryAcquireOrRenew()).toBe(true);
    holder.start();
    const skewed = elector(ns, 'skewed', () => Date.now() + 30_000);
    skewed.start();
    const changes: boolean[] = [];
    skewed.onChange((leader) => changes.push(leader));
    // Two lease durations: long enough for the old rule (renewTime + duration < its clock) to take it.
    for (let i = 0; i < 12; i += 1) {
      await new Promise((r) => setTimeout(r, 500));
      expect(holder.isLeader()).toBe(true);
      expect(skewed.isLeader()).toBe(false);
    }
    expect(changes).toEqual([]);
    // Once the holder lets go, the skewed one takes it at once (a released Lease has no holder).
    await holder.release();
    expect(await skewed.tryAcquireOrRenew()).toBe(true);
    expect(skewed.epoch()).toBe(1);
  }, 20_000);

  it('a release that races a renewal (409) reads the Lease again and still lets go', async () => {
    const ns = await freshNamespace(kc, 'release');
    const leases = kc.makeApiClient(k8s.CoordinationV1Api);
    /** The first release write meets a Lease changed since it was read, as a renewal in flight would. */
    class RacedCluster extends KubeCluster {
      armed = false;
      replaces = 0;
      override async replace(object: Parameters<KubeCluster['replace']>[0]): Promise<void> {
        this.replaces += 1;
        if (this.armed) {
          this.armed = false;
          const lease = await leases.readNamespacedLease({ name: 'release-bot', namespace: ns });
          lease.spec!.renewTime = new k8s.V1MicroTime(Date.now());
          await leases.replaceNamespacedLease({ name: 'release-bot', namespace: ns, body: lease });
        }
        return super.replace(object);
      }
    }
    const cluster = new RacedCluster(kc, 5_000);
    const holder = new LeaseElector(
      cluster,
      {
        namespace: ns,
        name: 'release-bot',
        identity: 'holder',
        leaseDurationSeconds: 3,
        renewDeadlineSeconds: 2,
        retryPeriodSeconds: 0.4,
      },
      createLogger('silent'),
    );
    electors.push(holder);
    expect(await holder.tryAcquireOrRenew()).toBe(true);
    cluster.armed = true;
    const before = cluster.replaces;
    await holder.release();
    expect(cluster.replaces - before).toBe(2);
    const lease = await leases.readNamespacedLease({ name: 'release-bot', namespace: ns });
    expect(lease.spec?.holderIdentity).toBeUndefined();
    const standby = elector(ns, 'standby');
    expect(await standby.tryAcquireOrRenew()).toBe(true);
  });

  it('a holder that cannot renew stops at its renew deadline, before anyone may take over', async () => {
    const ns = await freshNamespace(kc, 'deadline');
    let skip = 0;
    const holder = elector(ns, 'holder', () => Date.now() + skip);
    expect(await holder.tryAcquireOrRenew()).toBe(true);
    const term = holder.term();
    const other = elector(ns, 'other');
    expect(await other.tryAcquireOrRenew()).toBe(false);
    // The holder's renewals stop (a partition, a pause): by its own clock, 2 s pass.
    skip = 2_001;
    expect(holder.isLeader()).toBe(false);
    expect(holder.epoch()).toBeUndefined();
    expect(term.aborted).toBe(false);
    await new Promise((r) => setTimeout(r, 50));
    // The deadline's own timer ends the term without waiting for the next round.
    expect(holder.term().aborted).toBe(true);
    expect(term.aborted).toBe(true);
    // The other candidate still waits the whole lease duration from when it saw the last change.
    expect(await other.tryAcquireOrRenew()).toBe(false);
    await new Promise((r) => setTimeout(r, 3_100));
    expect(await other.tryAcquireOrRenew()).toBe(true);
    expect(other.epoch()).toBe(1);
  }, 20_000);
});
