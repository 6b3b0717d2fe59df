import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { freshNamespace, kubeConfig, listNames } from '../support/kube.js';
import { serviceVirtualServiceName } from '../../src/domain/devenv/names.js';
import { createLogger } from '../../src/logger.js';
import { SlackEmulator } from '../../src/playground/slack-emulator.js';
import { startPlayground, type RunningPlayground } from '../../src/playground/start.js';
import { queryRows } from '../support/db.js';

const MANAGER = 'UMAYA0001';

/** A playground on a database in `dir`, on a free port, quiet. */
const startIn = (dir: string, env: Record<string, string> = {}) =>
  startPlayground({
    PATH: process.env.PATH,
    DATABASE_PATH: join(dir, 'bot.sqlite'),
    PORT: '0',
    LOG_LEVEL: 'silent',
    ...env,
  });

describe('the playground over HTTP', () => {
  let dir: string;
  let playground: RunningPlayground;
  const start = () =>
    startIn(dir, {
      HOST: '0.0.0.0',
      SLACK_BOT_TOKEN: 'xoxb-a-real-token-must-not-reach-the-stand-in',
      RELEASE_BOT_PLAYGROUND: '1',
    });
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'release-bot-playground-'));
    playground = await start();
  });
  afterEach(async () => {
    await playground.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (path: string, body: unknown) =>
    fetch(`${playground.url}playground/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const state = async (user = MANAGER) =>
    (await (await fetch(`${playground.url}playground/state?as=${user}`)).json()) as {
      messages: { ts: string; html: string; ephemeral: boolean }[];
    };

  /** A request as another web page (or a rebinding DNS name) would send it: headers as given. */
  const foreign = (path: string, headers: Record<string, string>, body?: string) =>
    new Promise<number>((resolve, reject) => {
      const url = new URL(`${playground.url}${path}`);
      const req = request(
        { host: '127.0.0.1', port: url.port, path: url.pathname, method: body ? 'POST' : 'GET', headers },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  it('answers only its own page on loopback: no text/plain, no foreign Origin or Host, and nothing created', async () => {
    const host = new URL(playground.url).host;
    const body = JSON.stringify({ as: MANAGER, channel: 'C0RELEASES', text: '/release create 6.6' });
    const statuses = [
      await foreign(
        'playground/command',
        { host, origin: 'http://evil.example', 'content-type': 'text/plain' },
        body,
      ),
      await foreign('playground/command', { host, 'content-type': 'text/plain' }, body),
      await foreign(
        'playground/command',
        { host, origin: 'http://evil.example', 'content-type': 'application/json' },
        body,
      ),
      await foreign(
        'playground/command',
        { host: 'rebound.example:80', 'content-type': 'application/json' },
        body,
      ),
      await foreign('playground/state?as=UMAYA0001', {
        host: `evil.example:${new URL(playground.url).port}`,
      }),
    ];
    expect(statuses).toEqual([403, 415, 403, 403, 403]);
    expect(queryRows(join(dir, 'bot.sqlite'), 'select count(*) n from releases')).toEqual([{ n: 0 }]);
    // The page's own requests still work: same Host and Origin.
    expect(
      await foreign(
        'playground/command',
        { host, origin: `http://${host}`, 'content-type': 'application/json' },
        body,
      ),
    ).toBe(200);
  });

  it('binds to loopback only and keeps real Slack settings away from the stand-in', () => {
    expect(playground.bot.services.config.http.host).toBe('127.0.0.1');
    expect(playground.bot.services.config.slack.botToken).toBe(playground.emulator.botToken);
    expect(playground.bot.services.config.slack.apiUrl).toBe(playground.emulator.apiUrl);
  });

  it('answers bad input with a 4xx and a reason', async () => {
    const cases: [string, unknown, number, string][] = [
      ['command', '{not json', 400, 'the body must be JSON'],
      ['command', { as: 'UNOBODY', channel: 'C0RELEASES', text: '/release help' }, 400, 'as: not a user'],
      [
        'command',
        { as: MANAGER, channel: 'CELSEWHERE', text: '/release help' },
        400,
        'channel: not a conversation',
      ],
      [
        'command',
        { as: MANAGER, channel: 'C0RELEASES', text: '/deploy now' },
        400,
        'is not a command of this app',
      ],
      ['command', { as: MANAGER, channel: 'C0RELEASES', text: '' }, 400, 'text:'],
      [
        'action',
        {
          as: MANAGER,
          source: { kind: 'message', channel: 'C0RELEASES', ts: '1.2' },
          actionId: 'x',
          blockId: 'b',
          value: 'v',
        },
        404,
        'not on a message you can see',
      ],
      ['submit', { as: MANAGER, viewId: 'VNONE', values: {} }, 404, 'no longer open'],
    ];
    for (const [path, body, status, reason] of cases) {
      const res = await post(path, body);
      expect([path, res.status]).toEqual([path, status]);
      expect(((await res.json()) as { reason: string }).reason).toContain(reason);
    }
    const badState = await fetch(`${playground.url}playground/state?as=nobody`);
    expect(badState.status).toBe(400);
  });

  it('goes through the bot’s signature check: an unsigned request to /slack/events is refused', async () => {
    const res = await fetch(`${playground.url}slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'command=%2Frelease&text=create+9.9&user_id=UMAYA0001',
    });
    expect(res.status).toBe(401);
    expect(queryRows(join(dir, 'bot.sqlite'), 'select count(*) n from releases')).toEqual([{ n: 0 }]);
  });

  it('refuses a forged button value and keeps ephemerals to their owner; the session survives a restart', async () => {
    expect(
      (await post('command', { as: MANAGER, channel: 'C0RELEASES', text: '/release create 2.4' })).status,
    ).toBe(200);
    expect(
      (await post('command', { as: MANAGER, channel: 'C0RELEASES', text: '/release freeze 2.4' })).status,
    ).toBe(200);
    const announcement = await waitFor(async () =>
      (await state()).messages.find((m) => m.html.includes('signoff_approve')),
    );
    const forged = await post('action', {
      as: 'UQUINN001',
      source: { kind: 'message', channel: 'C0RELEASES', ts: announcement.ts },
      actionId: 'signoff_approve',
      blockId: /data-block-id="([^"]+)"/.exec(announcement.html)![1],
      value: '999:1',
    });
    expect(forged.status).toBe(404);

    // Planned, frozen, and the heads-up that three of the seeded Jira's tickets in 2.4 are not done.
    expect((await state(MANAGER)).messages.filter((m) => m.ephemeral)).toHaveLength(3);
    expect((await state('UDANA0001')).messages.filter((m) => m.ephemeral)).toHaveLength(0);

    await playground.stop();
    playground = await start();
    const after = await state();
    expect(after.messages.some((m) => m.html.includes('2.4: frozen'))).toBe(true);
    expect((await state('UDANA0001')).messages.some((m) => m.ephemeral)).toBe(false);

    // The manager reloads the page: their ephemerals go, as in Slack; the channel's messages stay.
    const reloaded = await post('reload', { as: MANAGER });
    expect(await reloaded.json()).toEqual({ ok: true, dropped: 3 });
    const afterReload = await state(MANAGER);
    expect(afterReload.messages.filter((m) => m.ephemeral)).toEqual([]);
    expect(afterReload.messages.some((m) => m.html.includes('2.4: frozen'))).toBe(true);
    expect(await (await post('reload', { as: MANAGER })).json()).toEqual({ ok: true, dropped: 0 });
  });
});

describe('the playground’s seeded Jira', () => {
  let dir: string;
  let playground: RunningPlayground;
  const start = () => startIn(dir);
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'release-bot-playground-'));
    playground = await start();
  });
  afterEach(async () => {
    await playground.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const command = async (user: string, text: string) =>
    expect(
      (
        await fetch(`${playground.url}playground/command`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ as: user, channel: 'C0RELEASES', text }),
        })
      ).status,
    ).toBe(200);
  const press = (user: string, ts: string, html: string, actionId: string) => {
    const button = new RegExp(
      `data-action-id="${actionId}" data-block-id="([^"]+)" data-value="([^"]*)"`,
    ).exec(html);
    return fetch(`${playground.url}playground/action`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        as: user,
        source: { kind: 'message', channel: 'C0RELEASES', ts },
        actionId,
        blockId: button![1],
        value: button![2],
      }),
    });
  };
  const messages = async (user = MANAGER) =>
    (
      (await (await fetch(`${playground.url}playground/state?as=${user}`)).json()) as {
        messages: { ts: string; html: string; ephemeral: boolean }[];
      }
    ).messages;
  interface JiraPanel {
    connected: boolean;
    projects: {
      key: string;
      versions: { name: string; released: boolean; releaseDate: string | null; description: string | null }[];
    }[];
    issues: { key: string; type: string; status: string; fixVersions: string[] }[];
  }
  const panel = async () => (await (await fetch(`${playground.url}playground/jira`)).json()) as JiraPanel;

  it('is reached through the JIRA_* settings: scope, notes and the ship write-back all show, and survive a restart', async () => {
    const seeded = await panel();
    expect(seeded.connected).toBe(true);
    expect(seeded.projects.map((p) => [p.key, p.versions.map((v) => `${v.name}:${v.released}`)])).toEqual([
      ['BLOG', ['2.3:true', '2.4:false', '2.5:false']],
      ['TAG', ['2.3:true', '2.4:false', '2.5:false']],
    ]);
    expect(seeded.issues).toHaveLength(28);
    const open24 = seeded.issues.filter((i) => i.fixVersions.includes('2.4') && i.status !== 'Done');
    expect(open24.map((i) => `${i.key} ${i.type}`)).toEqual(['BLOG-7 Bug', 'BLOG-8 Bug', 'TAG-6 Bug']);
    expect(playground.bot.services.config.jira?.baseUrl).toBe(playground.jira?.standIn.url);

    await command(MANAGER, '/release create 2.4');
    await command(MANAGER, '/release freeze 2.4');
    const announcement = await waitFor(async () =>
      (await messages()).find((m) => !m.ephemeral && m.html.includes('signoff_approve')),
    );
    expect(announcement.html).toContain('16 tickets');
    for (const key of ['BLOG-7', 'BLOG-8', 'TAG-6']) expect(announcement.html).toContain(key);

    await command(MANAGER, '/release scope 2.4');
    const scope = await waitFor(async () =>
      (await messages()).find((m) => m.ephemeral && m.html.includes('Scope of')),
    );
    for (const key of ['BLOG-1', 'BLOG-9', 'TAG-1', 'TAG-7']) expect(scope.html).toContain(key);
    expect(scope.html).not.toContain('BLOG-10');

    expect((await press('UQUINN001', announcement.ts, announcement.html, 'signoff_approve')).status).toBe(
      200,
    );
    expect((await press('UPRIYA001', announcement.ts, announcement.html, 'signoff_approve')).status).toBe(
      200,
    );
    await waitFor(() =>
      Promise.resolve(
        queryRows(join(dir, 'bot.sqlite'), "select 1 from releases where state = 'signed_off'")[0],
      ),
    );
    await command(MANAGER, '/release ship 2.4');
    const shipped = await waitFor(async () => {
      const versions = (await panel()).projects.map((p) => p.versions.find((v) => v.name === '2.4')!);
      return versions.every((v) => v.released && v.description) ? versions : undefined;
    }, 10_000);
    expect(shipped.map((v) => v.releaseDate)).toEqual([
      expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      shipped[0]!.releaseDate,
    ]);
    expect(shipped[0]!.description).toContain('BLOG-1');

    await playground.stop();
    playground = await start();
    const after = await panel();
    expect(after.projects.map((p) => p.versions.find((v) => v.name === '2.4')!.released)).toEqual([
      true,
      true,
    ]);
  });
  it('lets a pipeline ask the gate with the session’s token: refused, an exception a manager approves, then allowed', async () => {
    const setup = (await (await fetch(`${playground.url}playground/pipeline`)).json()) as {
      token: string;
      gateUrl: string;
      services: string[];
    };
    expect(setup.services).toEqual(['blog-service', 'tag-service']);
    expect(setup.token).toMatch(/^[0-9a-f]{48}$/);
    const check = async (issues: string[], commit: string, token = setup.token) => {
      const res = await fetch(new URL(setup.gateUrl, playground.url), {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ service: 'blog-service', environment: 'preprod', issues, commit }),
      });
      return {
        status: res.status,
        body: (await res.json()) as { allowed: boolean; checked_issues?: { key: string; verdict: string }[] },
      };
    };
    expect((await check(['BLOG-10'], 'aaaaaaa', 'not-the-session-token')).status).toBe(401);
    await command(MANAGER, '/release create 2.4');
    await command(MANAGER, '/release freeze 2.4');
    await waitFor(async () => (await messages()).find((m) => m.html.includes('signoff_approve')));

    const refused = await check(['BLOG-10'], 'aaaaaaa');
    expect(refused.body).toMatchObject({
      allowed: false,
      release: '2.4',
      checked_issues: [{ key: 'BLOG-10', verdict: 'not_a_fix' }],
    });
    const fix = await check(['BLOG-7'], 'bbbbbbb');
    expect(fix.body).toMatchObject({
      allowed: true,
      checked_issues: [{ key: 'BLOG-7', verdict: 'fix_for_release' }],
    });

    await command('UDANA0001', '/release exception 2.4 BLOG-10 blog-service readers asked for it');
    const request = await waitFor(async () =>
      (await messages()).find((m) => !m.ephemeral && m.html.includes('exception_approve')),
    );
    expect((await press('UDANA0001', request.ts, request.html, 'exception_approve')).status).toBe(200);
    expect((await check(['BLOG-10'], 'ccccccc')).body.allowed).toBe(false);
    expect((await press(MANAGER, request.ts, request.html, 'exception_approve')).status).toBe(200);
    const allowed = await waitFor(async () => {
      const answer = await check(['BLOG-10'], 'ddddddd');
      return answer.body.allowed ? answer : undefined;
    });
    expect(allowed.body.checked_issues).toEqual([
      expect.objectContaining({ key: 'BLOG-10', verdict: 'exception' }),
    ]);
  });
  it('runs the calendar on a clock the page moves: the freeze reminder, the scheduled freeze, a ship reminder whose Approve counts', async () => {
    const moveClock = async (advance: 'hour' | 'day' | 'next') => {
      const res = await fetch(`${playground.url}playground/clock`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ as: MANAGER, advance }),
      });
      return {
        status: res.status,
        body: (await res.json()) as { reason?: string; clock?: { now: string; offsetMs: number } },
      };
    };
    const runs = () =>
      queryRows(join(dir, 'bot.sqlite'), 'select kind from schedule_runs order by ran_at, due_at').map(
        (r) => r.kind,
      );
    const dms = async (user: string) =>
      (
        (await (await fetch(`${playground.url}playground/state?as=${user}&channel=D${user}`)).json()) as {
          messages: { ts: string; html: string }[];
        }
      ).messages;

    const nothing = await moveClock('next');
    expect([nothing.status, nothing.body.reason]).toEqual([
      409,
      expect.stringContaining('nothing is on the calendar'),
    ]);
    expect((await moveClock('hour')).body.clock?.offsetMs).toBe(3_600_000);
    expect((await moveClock('day')).body.clock?.offsetMs).toBe(25 * 3_600_000);

    const day = (days: number) =>
      new Date(playground.session.clock.now().getTime() + days * 86_400_000).toISOString().slice(0, 10);
    await command(MANAGER, `/release create 2.5 freeze=${day(2)} 09:00 ship=${day(3)} 09:00`);
    await waitFor(() =>
      Promise.resolve(queryRows(join(dir, 'bot.sqlite'), "select 1 from releases where version = '2.5'")[0]),
    );

    expect((await moveClock('next')).status).toBe(200);
    expect(runs()).toEqual(['freeze_reminder']);
    expect((await moveClock('next')).status).toBe(200);
    expect(runs()).toEqual(['freeze_reminder', 'scheduled_freeze']);
    expect(queryRows(join(dir, 'bot.sqlite'), "select state from releases where version = '2.5'")).toEqual([
      { state: 'frozen' },
    ]);
    expect((await moveClock('next')).status).toBe(200);
    expect(runs()).toEqual(['freeze_reminder', 'scheduled_freeze', 'ship_reminder']);

    // The missing roles hear of it in a DM; QA approves from there, and the vote counts.
    const reminder = await waitFor(async () =>
      (await dms('UQUINN001')).find((m) => m.html.includes('signoff_approve')),
    );
    expect(reminder.html).toContain('2.5');
    expect((await dms('UPRIYA001')).some((m) => m.html.includes('signoff_approve'))).toBe(true);
    const approve = /data-action-id="signoff_approve" data-block-id="([^"]+)" data-value="([^"]*)"/.exec(
      reminder.html,
    )!;
    const pressed = await fetch(`${playground.url}playground/action`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        as: 'UQUINN001',
        source: { kind: 'message', channel: 'DUQUINN001', ts: reminder.ts },
        actionId: 'signoff_approve',
        blockId: approve[1],
        value: approve[2],
      }),
    });
    expect(pressed.status).toBe(200);
    await waitFor(() =>
      Promise.resolve(queryRows(join(dir, 'bot.sqlite'), 'select voter, roles, decision from votes')[0]),
    );
    expect(queryRows(join(dir, 'bot.sqlite'), 'select voter, roles, decision from votes')).toEqual([
      { voter: 'UQUINN001', roles: '["qa"]', decision: 'approve' },
    ]);
  });
  it('ticks the tour from what happened, and a reset starts the session afresh', async () => {
    const tour = async () =>
      Object.fromEntries(
        (
          (await (await fetch(`${playground.url}playground/tour`)).json()) as {
            steps: { id: string; done: boolean }[];
          }
        ).steps.map((step) => [step.id, step.done]),
      );
    expect(await tour()).toEqual({
      freeze: false,
      approve: false,
      reject: false,
      blocked: false,
      exception: false,
      reminder: false,
      ship: false,
      devenv: false,
    });
    await command(MANAGER, '/release create 2.4');
    await command(MANAGER, '/release freeze 2.4');
    const announcement = await waitFor(async () =>
      (await messages()).find((m) => !m.ephemeral && m.html.includes('signoff_approve')),
    );
    expect((await press('UQUINN001', announcement.ts, announcement.html, 'signoff_approve')).status).toBe(
      200,
    );
    // A dry run of one service is not the tour's step; of both, it is.
    await command('UDANA0001', '/devenv blog-service dry-run');
    await command('UDANA0001', '/devenv blog-service tag-service dry-run');
    await waitFor(async () => ((await tour()).approve ? true : undefined));
    expect(await tour()).toMatchObject({ freeze: true, approve: true, reject: false, devenv: true });
    const moved = await fetch(`${playground.url}playground/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ as: MANAGER, advance: 'day' }),
    });
    expect(moved.status).toBe(200);

    const reset = (origin?: string) =>
      fetch(`${playground.url}playground/reset`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
        body: JSON.stringify({ as: MANAGER }),
      });
    // Another web page cannot wipe the session.
    expect((await reset('http://evil.example')).status).toBe(403);
    expect(queryRows(join(dir, 'bot.sqlite'), 'select count(*) n from releases')).toEqual([{ n: 1 }]);
    expect((await reset()).status).toBe(200);
    // A second reset (a double click) finds nothing to wipe and changes nothing.
    expect((await reset()).status).toBe(200);
    expect(Object.values(await tour())).toEqual(Array(8).fill(false));
    expect(queryRows(join(dir, 'bot.sqlite'), 'select count(*) n from releases')).toEqual([{ n: 0 }]);
    expect(queryRows(join(dir, 'bot.sqlite'), 'select count(*) n from votes')).toEqual([{ n: 0 }]);
    expect(queryRows(join(dir, 'bot.sqlite'), 'select count(*) n from installation')).toEqual([{ n: 1 }]);
    expect(await messages()).toEqual([]);
    expect(playground.session.offsetMs).toBe(0);
    // The session goes on as a fresh one: 2.4 can be created and frozen again.
    await command(MANAGER, '/release create 2.4');
    await command(MANAGER, '/release freeze 2.4');
    await waitFor(async () => (await messages()).find((m) => !m.ephemeral && m.html.includes('16 tickets')));
    expect(await tour()).toMatchObject({ freeze: true, approve: false, devenv: false });
  });
});

describe('the Web API emulator', () => {
  it('answers as Slack does: invalid_auth, an expired trigger_id, hash_conflict', async () => {
    let now = Date.parse('2026-11-26T10:00:00Z');
    const emulator = await new SlackEmulator(createLogger('silent'), undefined, () => now).start();
    const call = async (method: string, args: Record<string, unknown>, token = emulator.botToken) =>
      (await (
        await fetch(`${emulator.apiUrl}${method}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(args),
        })
      ).json()) as Record<string, unknown>;
    try {
      expect(await call('auth.test', {}, 'xoxb-wrong')).toEqual({ ok: false, error: 'invalid_auth' });
      const modal = { type: 'modal', title: { type: 'plain_text', text: 'T' }, blocks: [] };
      const trigger = emulator.newTrigger(MANAGER);
      now += 3_100;
      expect(await call('views.open', { trigger_id: trigger, view: modal })).toEqual({
        ok: false,
        error: 'expired_trigger_id',
      });
      const fresh = emulator.newTrigger(MANAGER);
      expect((await call('views.open', { trigger_id: fresh, view: modal })).ok).toBe(true);

      const home = { type: 'home', blocks: [] };
      const first = (await call('views.publish', { user_id: MANAGER, view: home })) as {
        view: { hash: string };
      };
      await call('views.publish', { user_id: MANAGER, view: home });
      expect(await call('views.publish', { user_id: MANAGER, view: home, hash: first.view.hash })).toEqual({
        ok: false,
        error: 'hash_conflict',
      });
      expect(await call('chat.postMessage', { channel: 'CNOPE', text: 'x' })).toEqual({
        ok: false,
        error: 'channel_not_found',
      });
      expect(await call('files.upload', {})).toEqual({ ok: false, error: 'unknown_method' });
    } finally {
      await emulator.stop();
    }
  });
});

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the playground next to a real cluster', () => {
  it('never joins the Lease and never reconciles there: another installation’s routes are left alone', async () => {
    const kc = kubeConfig(inject('kubeconfigPath'));
    const ns = await freshNamespace(kc, 'pg');
    // A route of ours that the playground's (empty) database does not know: a reconcile would delete it.
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    await custom.createNamespacedCustomObject({
      group: 'networking.istio.io',
      version: 'v1',
      namespace: ns,
      plural: 'virtualservices',
      body: {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: {
          name: serviceVirtualServiceName('blog-service'),
          labels: { 'app.kubernetes.io/managed-by': 'release-bot', 'release-bot.io/service': 'blog-service' },
        },
        spec: {
          hosts: [`blog-service.${ns}.svc.cluster.local`],
          http: [{ name: 'default', route: [{ destination: { host: 'blog-service' } }] }],
        },
      },
    });
    const dir = mkdtempSync(join(tmpdir(), 'release-bot-playground-'));
    const playground = await startPlayground({
      PATH: process.env.PATH,
      DATABASE_PATH: join(dir, 'bot.sqlite'),
      PORT: '0',
      LOG_LEVEL: 'silent',
      RELEASE_BOT_PLAYGROUND: '1',
      KUBECONFIG: inject('kubeconfigPath'),
      DEVENV_PREPROD_NAMESPACE: ns,
      LEADER_ELECTION: 'on',
      DEVENV_RECONCILE_INTERVAL: '1s',
    });
    try {
      await new Promise((r) => setTimeout(r, 2_500));
      const leases = await kc.makeApiClient(k8s.CoordinationV1Api).listNamespacedLease({ namespace: ns });
      expect(leases.items).toEqual([]);
      expect(await listNames(kc, ns, 'virtualservices')).toEqual([serviceVirtualServiceName('blog-service')]);
    } finally {
      await playground.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
