import { afterEach, describe, expect, it } from 'vitest';
import { MANAGER, replyText, startTestBot, type TestBot } from '../support/bot-harness.js';
import { outboxSettled } from '../support/gate-client.js';
import type { RecordedCall } from '../support/slack-stand-in.js';

const QA = 'UQA00001';
const DEV = 'UDEV00001';

interface ViewButton {
  action_id: string;
  value: string;
}

function publishesTo(t: TestBot, user: string): RecordedCall[] {
  return t.slack.callsOf('views.publish').filter((c) => c.args.user_id === user);
}

async function latestHome(
  t: TestBot,
  user: string,
  after = 0,
): Promise<{ text: string; buttons: ViewButton[] }> {
  const call = await t.slack.waitFor(
    () => publishesTo(t, user).length > after && publishesTo(t, user).at(-1),
  );
  const view = (typeof call.args.view === 'string' ? JSON.parse(call.args.view) : call.args.view) as {
    blocks: { elements?: ViewButton[]; accessory?: ViewButton }[];
  };
  return {
    text: JSON.stringify(view.blocks),
    buttons: view.blocks.flatMap((b) => b.elements ?? []).filter((e) => e.action_id !== undefined),
  };
}

function dmText(t: TestBot, user: string): string {
  return t.slack
    .deliveredOf('chat.postMessage')
    .filter((c) => c.args.channel === user)
    .map((c) => String(c.args.text))
    .join('\n');
}

describe('App Home', () => {
  let t: TestBot;
  afterEach(async () => {
    await t.stop();
  });

  it('shows each reader the buttons they may use, and checks every press on the server', async () => {
    t = await startTestBot({ SIGNOFF_ROLES: `qa=${QA}` });
    await t.command('/release', 'create 2.4 freeze=2030-01-07 ship=2030-01-14');
    const id = String((await t.rows('select id from releases'))[0]!.id);

    await t.openHome(MANAGER);
    const managerHome = await latestHome(t, MANAGER);
    expect(managerHome.buttons.map((b) => b.action_id)).toEqual(['release_freeze']);
    expect(managerHome.text).toContain('*2.4* · planned · freezes <!date^');
    expect(managerHome.text).toContain(':snowflake: <!date^');

    await t.openHome(DEV);
    expect((await latestHome(t, DEV)).buttons).toEqual([]);

    // A forged Freeze from someone who is not a manager changes nothing and is told why, by DM.
    expect((await t.clickHome('release_freeze', id, DEV)).status).toBe(200);
    await t.slack.waitFor(() => dmText(t, DEV).includes('Only release managers may freeze releases'));
    expect(await t.rows('select state from releases')).toEqual([{ state: 'planned' }]);

    await t.clickHome('release_freeze', id, MANAGER);
    await t.slack.waitFor(async () => (await t.rows('select state from releases'))[0]?.state === 'frozen');
    await outboxSettled(t);

    await t.openHome(QA);
    const qaHome = await latestHome(t, QA);
    expect(qaHome.buttons).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action_id: 'signoff_approve', value: `${id}:1` }),
        expect.objectContaining({ action_id: 'signoff_reject', value: `${id}:1` }),
      ]),
    );
    expect(qaHome.buttons.map((b) => b.action_id)).not.toContain('release_remind');
    const before = publishesTo(t, DEV).length;
    await t.openHome(DEV);
    const devHome = await latestHome(t, DEV, before);
    expect(devHome.buttons.map((b) => b.action_id)).not.toContain('signoff_approve');

    // A forged Approve from a non-member is refused on the server; a member's counts.
    await t.clickHome('signoff_approve', `${id}:1`, DEV);
    await t.slack.waitFor(() => dmText(t, DEV).includes('You are not a sign-off member for 2.4'));
    expect(await t.rows('select count(*) n from votes')).toEqual([{ n: 0 }]);
    await t.clickHome('signoff_approve', `${id}:1`, QA);
    await t.slack.waitFor(
      async () => (await t.rows('select state from releases'))[0]?.state === 'signed_off',
    );

    // The manager's view is pushed without reopening: Ship is offered now.
    const managerBefore = publishesTo(t, MANAGER).length;
    const pushed = await latestHome(t, MANAGER, managerBefore);
    expect(pushed.buttons.map((b) => b.action_id)).toContain('release_ship');
  });

  it('a vote storm leads to a bounded number of views.publish calls, ending with the final tally', async () => {
    const members = Array.from({ length: 25 }, (_, i) => `UQA${String(i).padStart(5, '0')}`);
    t = await startTestBot({ SIGNOFF_ROLES: `qa=${members.join(',')}:25` }, { homes: { throttleMs: 300 } });
    await t.command('/release', 'create 2.4');
    await t.command('/release', 'freeze 2.4');
    const id = String((await t.rows('select id from releases'))[0]!.id);
    const viewers = [MANAGER, DEV, members[0]!];
    for (const viewer of viewers) await t.openHome(viewer);
    for (const viewer of viewers) await latestHome(t, viewer);
    await outboxSettled(t);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const before = t.slack.callsOf('views.publish').length;

    await Promise.all(members.map((m) => t.click('signoff_approve', `${id}:1`, m)));
    await t.slack.waitFor(
      async () => (await t.rows('select state from releases'))[0]?.state === 'signed_off',
    );
    await outboxSettled(t);
    await new Promise((resolve) => setTimeout(resolve, 800));

    const during = t.slack.callsOf('views.publish').length - before;
    const threadLines = t.slack
      .deliveredOf('chat.postMessage')
      .filter((c) => String(c.args.text).includes('approved'));
    expect(threadLines.length).toBeGreaterThanOrEqual(25);
    // 26 notices, 3 viewers: without throttling that is 78 publishes.
    expect(during).toBeGreaterThanOrEqual(viewers.length);
    expect(during).toBeLessThanOrEqual(viewers.length * 4);
    expect((await latestHome(t, MANAGER)).text).toContain('25/25');
  });

  it('keeps answering while Slack hangs on views.publish, and publishes again once it heals', async () => {
    t = await startTestBot();
    await t.command('/release', 'create 2.4');
    t.slack.inject('views.publish', { kind: 'hang' });
    const started = Date.now();
    expect((await t.openHome(DEV)).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(replyText(await t.command('/release', 'status', DEV))).toContain('*2.4*');
    t.slack.heal();
    const before = t.slack.deliveredOf('views.publish').length;
    await t.openHome(DEV);
    await t.slack.waitFor(() => t.slack.deliveredOf('views.publish').length > before);
  });

  it('passes the hash from app_home_opened, so an older render never overwrites a newer view', async () => {
    t = await startTestBot();
    await t.command('/release', 'create 2.4');
    await t.openHome(DEV);
    await latestHome(t, DEV);
    const hash = t.slack.homeHash(DEV)!;
    await t.openHome(DEV);
    const second = await t.slack.waitFor(() => publishesTo(t, DEV)[1]);
    expect(second.args.hash).toBe(hash);
    expect(replyText(await t.command('/release', 'status', DEV))).toContain('*2.4*');
  });
});
