import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MANAGER, replyText, startTestBot, SIGNING_SECRET, type TestBot } from '../support/bot-harness.js';
import { slackSignatureHeaders } from '../support/slack-signer.js';
import { RELEASE_CHANNEL, slashCommandBody } from '../support/slack-payloads.js';

function rows(bot: TestBot, sql: string): Promise<Record<string, unknown>[]> {
  return bot.rows(sql);
}

describe('/release lifecycle over signed Slack requests', () => {
  let t: TestBot;
  beforeEach(async () => {
    t = await startTestBot();
  });
  afterEach(async () => {
    await t.stop();
  });

  it('creates, freezes with an announcement, unfreezes in the thread, and cancels', async () => {
    // Dates in the future whenever the test runs: a freeze time in the past is refused.
    const year = new Date().getUTCFullYear() + 1;
    const created = await t.command('/release', `create 2.4 freeze=${year}-12-01 ship=${year}-12-10`);
    expect(created.response_type).toBe('ephemeral');
    expect(replyText(created)).toContain('Release *2.4* is planned');

    const frozen = await t.command('/release', 'freeze 2.4 candidate build 118');
    expect(replyText(frozen)).toContain('*2.4* is frozen');
    const announcement = await t.slack.waitFor(() => t.slack.deliveredOf('chat.postMessage')[0]);
    expect(announcement.args.channel).toBe(RELEASE_CHANNEL);
    const announcementText = JSON.stringify(announcement.args.blocks);
    expect(announcementText).toContain(`<@${MANAGER}> froze *2.4*`);
    expect(announcementText).toContain('only bug fixes that belong to *2.4* may change services in pre-prod');
    expect(announcementText).toContain('candidate build 118');
    await t.slack.waitFor(
      async () => (await rows(t, 'select announcement_permalink from releases'))[0]?.announcement_permalink,
    );
    expect(
      await rows(
        t,
        'select state, announcement_channel, announcement_ts, announcement_permalink from releases',
      ),
    ).toEqual([
      {
        state: 'frozen',
        announcement_channel: RELEASE_CHANNEL,
        announcement_ts: '1700000001.000100',
        announcement_permalink: `https://acme.slack.com/archives/${RELEASE_CHANNEL}/p1700000001000100`,
      },
    ]);

    await t.command('/release', 'unfreeze 2.4 hotfix needed first');
    const threadLine = await t.slack.waitFor(() =>
      t.slack.callsOf('chat.postMessage').find((c) => c.args.thread_ts === '1700000001.000100'),
    );
    expect(threadLine.args.text).toContain('unfroze *2.4*: hotfix needed first');
    const update = await t.slack.waitFor(() => t.slack.callsOf('chat.update').at(-1));
    expect(update.args.ts).toBe('1700000001.000100');
    expect(JSON.stringify(update.args.blocks)).toContain('is *planned*');

    const cancelled = await t.command('/release', 'cancel 2.4 superseded by 2.5');
    expect(replyText(cancelled)).toContain('*2.4* is cancelled');

    const log = await t.command('/release', 'log 2.4', 'UREADER1');
    const logText = replyText(log);
    expect(logText).toMatch(/release_cancelled\* frozen → cancelled|release_cancelled\* planned → cancelled/);
    expect(logText).toContain('release_frozen* planned → frozen');
    expect(logText).toContain('`/release freeze 2.4 candidate build 118`');
    expect(await rows(t, 'select actor, action, from_state, to_state from audit_events order by id')).toEqual(
      [
        { actor: MANAGER, action: 'release_created', from_state: null, to_state: 'planned' },
        { actor: MANAGER, action: 'release_frozen', from_state: 'planned', to_state: 'frozen' },
        { actor: MANAGER, action: 'release_unfrozen', from_state: 'frozen', to_state: 'planned' },
        { actor: MANAGER, action: 'release_cancelled', from_state: 'planned', to_state: 'cancelled' },
      ],
    );
  });

  it('refuses illegal transitions with the reason and changes nothing', async () => {
    await t.command('/release', 'create 2.4');
    await t.command('/release', 'cancel 2.4 not needed');
    const before = await rows(t, 'select * from releases');
    const auditBefore = await rows(t, 'select count(*) n from audit_events');

    const reply = await t.command('/release', 'freeze 2.4');
    expect(reply.response_type).toBe('ephemeral');
    expect(replyText(reply)).toContain('Cannot freeze 2.4: it is cancelled (only a planned release can be).');
    const duplicate = await t.command('/release', 'create 2.4');
    expect(replyText(duplicate)).toContain('Release 2.4 already exists (cancelled)');

    expect(await rows(t, 'select * from releases')).toEqual(before);
    expect(await rows(t, 'select count(*) n from audit_events')).toEqual(auditBefore);
    expect(t.slack.callsOf('chat.postMessage')).toHaveLength(1);
  });

  it('answers reads on the ack itself and slow commands on response_url', async () => {
    const { id, url } = t.slack.newResponseUrl();
    const body = slashCommandBody({
      command: '/release',
      text: 'list',
      userId: 'UREADER1',
      responseUrl: url,
    });
    const res = await t.post(body);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await res.json()).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('No releases yet'),
    });
    // A change to our own database is committed before the ack and answered on it.
    const create = slashCommandBody({
      command: '/release',
      text: 'create 2.4',
      userId: MANAGER,
      responseUrl: url,
    });
    const created = (await (await t.post(create)).json()) as Record<string, unknown>;
    expect(replyText(created)).toContain('Release *2.4* is planned');
    expect(await rows(t, 'select state from releases')).toEqual([{ state: 'planned' }]);
    // Anything that needs an outside system is acked empty and answered on response_url.
    const scope = slashCommandBody({
      command: '/release',
      text: 'scope 2.4',
      userId: MANAGER,
      responseUrl: url,
    });
    expect(await (await t.post(scope)).text()).toBe('');
    expect(replyText(await t.slack.waitForResponse(id))).toContain('Jira is not connected');
  });

  it('looks versions up case-insensitively and keeps their case', async () => {
    await t.command('/release', 'create Blog-2.4');
    const status = await t.command('/release', 'status blog-2.4', 'UREADER1');
    expect(replyText(status)).toContain('Release Blog-2.4');
    const list = await t.command('/release', 'list', 'UREADER1');
    expect(replyText(list)).toContain('*Blog-2.4* planned');
  });

  it('rejects invalid version names before touching the database', async () => {
    const reply = await t.command('/release', 'create 2.4";drop');
    expect(replyText(reply)).toContain('is not a valid version');
    expect(await rows(t, 'select count(*) n from releases')).toEqual([{ n: 0 }]);
  });

  it('refuses management commands from non-managers but lets them read', async () => {
    await t.command('/release', 'create 2.4');
    const refused = await t.command('/release', 'freeze 2.4', 'UOTHER1');
    expect(replyText(refused)).toContain('Only release managers may freeze releases');
    expect(await rows(t, 'select state from releases')).toEqual([{ state: 'planned' }]);
    const status = await t.command('/release', 'status', 'UOTHER1');
    expect(replyText(status)).toContain('*2.4* planned');
  });

  it('answers help for an empty or unknown subcommand', async () => {
    expect(replyText(await t.command('/release', ''))).toContain('/release freeze <version> [note]');
    const unknown = await t.command('/release', 'launch 2.4');
    expect(replyText(unknown)).toContain('Unknown subcommand `launch`');
    expect(replyText(unknown)).toContain('/release log <version>');
  });

  it('pages a long audit log', async () => {
    await t.command('/release', 'create 2.4');
    for (let i = 0; i < 12; i++) {
      await t.command('/release', `freeze 2.4 round ${i}`);
      await t.command('/release', `unfreeze 2.4 round ${i}`);
    }
    const first = replyText(await t.command('/release', 'log 2.4'));
    expect(first).toContain('page 1 of 2');
    expect(first).toContain('round 11');
    // The next page is offered by cursor (same cost at any depth); asking by number gives the same rows.
    const cursor = /`\/release log 2\.4 (before=\d+)`/.exec(first)?.[1] ?? 'no cursor offered';
    expect(cursor).toMatch(/^before=\d+$/);
    const next = replyText(await t.command('/release', `log 2.4 ${cursor}`));
    expect(next).toContain('(0 older, newest first)');
    expect(next).toContain('release_created');
    expect(next).not.toContain('round 11');
    const second = replyText(await t.command('/release', 'log 2.4 page=2'));
    expect(second).toContain('page 2 of 2');
    const entries = (text: string) => text.split('\n').filter((l) => l.includes('*release_'));
    expect(entries(second)).toEqual(entries(next));
    expect(entries(second)).toHaveLength(5);
  });
});

describe('request verification', () => {
  let t: TestBot;
  beforeEach(async () => {
    t = await startTestBot();
  });
  afterEach(async () => {
    await t.stop();
  });

  const body = () =>
    slashCommandBody({
      command: '/release',
      text: 'create 9.9',
      userId: MANAGER,
      responseUrl: `${t.slack.url}/response/x`,
    });

  it.each([
    ['a bad signature', (b: string) => ({ ...slackSignatureHeaders('wrong-secret', b) })],
    [
      'a stale timestamp',
      (b: string) => slackSignatureHeaders(SIGNING_SECRET, b, Math.floor(Date.now() / 1000) - 301),
    ],
    ['no signature', () => ({ 'content-type': 'application/x-www-form-urlencoded' })],
  ])('answers 401 to %s and changes nothing', async (_name, headersFor) => {
    const raw = body();
    const res = await t.post(raw, headersFor(raw));
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 100));
    expect(await rows(t, 'select count(*) n from releases')).toEqual([{ n: 0 }]);
    expect(t.slack.responses).toHaveLength(0);
  });

  it('serves /healthz and 404s unknown routes', async () => {
    expect((await fetch(`${t.baseUrl}/healthz`)).status).toBe(200);
    const missing = await fetch(`${t.baseUrl}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'not_found', reason: 'no route GET /nope' });
  });
});

describe('App Home', () => {
  let t: TestBot;
  afterEach(async () => {
    await t.stop();
  });

  it('publishes open releases when a user opens the Home tab', async () => {
    t = await startTestBot();
    await t.command('/release', 'create 2.4');
    const body = JSON.stringify({
      token: 'legacy',
      team_id: 'T0001',
      api_app_id: 'A0RELEASEBOT',
      type: 'event_callback',
      event_id: 'Ev0001',
      event_time: Math.floor(Date.now() / 1000),
      event: {
        type: 'app_home_opened',
        user: 'UREADER1',
        channel: 'D0001',
        tab: 'home',
        event_ts: `${Date.now() / 1000}`,
      },
    });
    const res = await t.post(body, {
      ...slackSignatureHeaders(SIGNING_SECRET, body),
      'content-type': 'application/json',
    });
    expect(res.status).toBe(200);
    const published = await t.slack.waitFor(() => t.slack.callsOf('views.publish')[0]);
    expect(published.args.user_id).toBe('UREADER1');
    const view = JSON.stringify(published.args.view);
    expect(view).toContain('*2.4* · planned');
    expect(view).toContain('None. `/devenv blog-service` creates one.');
  });
});

describe('RELEASE_MANAGERS', () => {
  let t: TestBot;
  afterEach(async () => {
    await t.stop();
  });

  it('says management is not configured when unset', async () => {
    t = await startTestBot({ RELEASE_MANAGERS: '' });
    const reply = replyText(await t.command('/release', 'create 2.4', 'UANYONE1'));
    expect(reply).toContain('none are configured: set RELEASE_MANAGERS');
  });

  it('resolves user groups with usergroups.users.list and caches them', async () => {
    t = await startTestBot({ RELEASE_MANAGERS: 'SMANAGERS' });
    t.slack.userGroups.set('SMANAGERS', ['UGROUPED1']);
    expect(replyText(await t.command('/release', 'create 2.4', 'UGROUPED1'))).toContain(
      'Release *2.4* is planned',
    );
    expect(replyText(await t.command('/release', 'create 2.5', 'UOUTSIDE1'))).toContain(
      'Only release managers may create releases',
    );
    await t.command('/release', 'freeze 2.4', 'UGROUPED1');
    expect(t.slack.callsOf('usergroups.users.list')).toHaveLength(1);
    expect(t.slack.callsOf('usergroups.users.list')[0]!.args.usergroup).toBe('SMANAGERS');
  });

  it('lets everyone manage with *', async () => {
    t = await startTestBot({ RELEASE_MANAGERS: '*' });
    expect(replyText(await t.command('/release', 'create 2.4', 'UANYONE1'))).toContain(
      'Release *2.4* is planned',
    );
  });
});
