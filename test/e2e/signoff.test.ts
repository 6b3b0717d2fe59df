import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActionIds, BlockIds, CallbackIds, InputActionIds } from '../../src/slack/ids.js';
import { bumpCandidateRevision } from '../../src/use-cases/signoff.js';
import { replyText, startTestBot, type TestBot } from '../support/bot-harness.js';
import { outboxSettled } from '../support/gate-client.js';

const QA_GROUP = 'SQAGROUP1';
const QA = ['UQA00001', 'UQA00002', 'UQA00003'];
const PM = 'UPM00001';

describe('sign-off votes with buttons', () => {
  let t: TestBot;
  let releaseId: number;
  const rows = (sql: string, ...params: unknown[]) => t.rows(sql, ...params);
  const state = async () => (await rows('select state from releases where id = ?', releaseId))[0]?.state;
  const lastUpdate = () => JSON.stringify(t.slack.callsOf('chat.update').at(-1)?.args.blocks ?? []);
  const threadLines = () =>
    t.slack
      .callsOf('chat.postMessage')
      .filter((c) => c.args.thread_ts)
      .map((c) => String(c.args.text));
  const value = () => `${releaseId}:1`;
  const waitForVotes = (n: number) =>
    t.slack.waitFor(async () => (await rows('select count(*) n from votes'))[0]?.n === n);

  beforeEach(async () => {
    t = await startTestBot();
    t.slack.userGroups.set(QA_GROUP, QA);
    await t.command('/release', `role set qa <!subteam^${QA_GROUP}|@qa-team> quorum=2`);
    await t.command('/release', `role set product <@${PM}|pat>`);
    await t.command('/release', 'create 2.4');
    await t.command('/release', 'freeze 2.4');
    releaseId = (await rows('select id from releases'))[0]!.id as number;
  });
  afterEach(async () => {
    await t.stop();
  });

  it('the freeze announcement carries the buttons and the tally', async () => {
    const announcement = await t.slack.waitFor(() => t.slack.deliveredOf('chat.postMessage')[0]);
    const blocks = JSON.stringify(announcement.args.blocks);
    expect(blocks).toContain(ActionIds.approve);
    expect(blocks).toContain(ActionIds.reject);
    expect(blocks).toContain('*qa* 0/2 · 2 more needed');
    expect(blocks).toContain('*product* 0/1 · 1 more needed');
  });

  it('signs off only when every role reaches its quorum, then ships', async () => {
    await t.click(ActionIds.approve, value(), QA[0]!);
    await t.click(ActionIds.approve, value(), PM);
    await waitForVotes(2);
    await t.slack.waitFor(() => lastUpdate().includes('*qa* 1/2'));
    expect(await state()).toBe('frozen');
    expect(lastUpdate()).not.toContain(ActionIds.ship);

    const refused = await t.command('/release', 'ship 2.4');
    expect(replyText(refused)).toContain('Cannot ship: 2.4 is not signed off yet: qa needs 1 more approval.');

    await t.click(ActionIds.approve, value(), QA[1]!);
    await t.slack.waitFor(async () => (await state()) === 'signed_off');
    await t.slack.waitFor(() => threadLines().some((l) => l.includes('2.4 is ready for production')));
    await t.slack.waitFor(() => lastUpdate().includes(ActionIds.ship));
    expect(lastUpdate()).toContain(`*qa* 2/2 (<@${QA[0]}>, <@${QA[1]}>)`);

    const byOther = await t.click(ActionIds.ship, String(releaseId), QA[0]!);
    expect(replyText(await t.slack.waitForResponse(byOther.responseId))).toContain(
      'Only release managers may ship releases',
    );
    expect(await state()).toBe('signed_off');

    const shipped = await t.command('/release', 'ship 2.4');
    expect(replyText(shipped)).toContain('*2.4* is released and the freeze is lifted');
    expect(await state()).toBe('released');
    await t.slack.waitFor(() => threadLines().some((l) => l.includes('shipped *2.4*')));
  });

  it('refuses a user in no required role and stores nothing', async () => {
    const { responseId } = await t.click(ActionIds.approve, value(), 'UOUTSIDER');
    const reply = await t.slack.waitForResponse(responseId);
    expect(reply.response_type).toBe('ephemeral');
    expect(replyText(reply)).toContain('You are not a sign-off member for 2.4.');
    expect(await rows('select count(*) n from votes')).toEqual([{ n: 0 }]);
  });

  it('rejects through a modal with a reason, which blocks until the voter approves', async () => {
    await t.click(ActionIds.approve, value(), QA[0]!);
    await t.click(ActionIds.approve, value(), QA[1]!);
    await t.click(ActionIds.approve, value(), PM);
    await t.slack.waitFor(async () => (await state()) === 'signed_off');

    // Another press first (refused, it changes nothing): its trigger must not be the one the modal uses.
    await t.click(ActionIds.approve, value(), 'UOUTSIDER');
    const { triggerId } = await t.click(ActionIds.reject, value(), QA[2]!);
    const opened = await t.slack.waitFor(() => t.slack.callsOf('views.open')[0]);
    // Slack opens a modal only with the trigger of the very interaction (single use, 3 s).
    expect(opened.args.trigger_id).toBe(triggerId);
    const view = opened.args.view as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe(CallbackIds.rejectModal);

    const empty = await t.submitView(CallbackIds.rejectModal, QA[2]!, view.private_metadata, {
      [BlockIds.rejectReason]: { [InputActionIds.rejectReason]: { type: 'plain_text_input', value: '   ' } },
    });
    expect(await empty.json()).toEqual({
      response_action: 'errors',
      errors: { [BlockIds.rejectReason]: 'Give a reason of 1 to 1000 characters.' },
    });

    const submitted = await t.submitView(CallbackIds.rejectModal, QA[2]!, view.private_metadata, {
      [BlockIds.rejectReason]: {
        [InputActionIds.rejectReason]: { type: 'plain_text_input', value: 'Checkout <fails> on Safari' },
      },
    });
    expect(submitted.status).toBe(200);
    await t.slack.waitFor(async () => (await state()) === 'frozen');
    expect(await rows('select voter, decision, reason from votes where voter = ?', QA[2])).toEqual([
      { voter: QA[2], decision: 'reject', reason: 'Checkout <fails> on Safari' },
    ]);
    await t.slack.waitFor(() => lastUpdate().includes('rejected: _Checkout &lt;fails&gt; on Safari_'));
    const refused = await t.command('/release', 'ship 2.4');
    expect(replyText(refused)).toContain(`<@${QA[2]}> rejected: Checkout <fails> on Safari`);

    await t.click(ActionIds.approve, value(), QA[2]!);
    await t.slack.waitFor(async () => (await state()) === 'signed_off');
    expect(await rows('select count(*) n from votes where voter = ?', QA[2])).toEqual([{ n: 1 }]);
  });

  it('refuses a reject form from someone in no required role, and stores a repeated one once', async () => {
    const reason = (text: string) => ({
      [BlockIds.rejectReason]: { [InputActionIds.rejectReason]: { type: 'plain_text_input', value: text } },
    });
    const metadata = JSON.stringify({ releaseId, revision: 1 });
    const forged = await t.submitView(CallbackIds.rejectModal, 'UOUTSIDER', metadata, reason('no'));
    expect(await forged.json()).toEqual({
      response_action: 'errors',
      errors: { [BlockIds.rejectReason]: 'You are not a sign-off member for 2.4.' },
    });
    expect(await rows('select count(*) n from votes')).toEqual([{ n: 0 }]);

    for (let i = 0; i < 2; i++) {
      const submitted = await t.submitView(CallbackIds.rejectModal, QA[0]!, metadata, reason('flaky login'));
      expect(submitted.status).toBe(200);
    }
    expect(await rows('select voter, decision from votes')).toEqual([{ voter: QA[0], decision: 'reject' }]);
    expect(await rows("select count(*) n from audit_events where action = 'vote_rejected'")).toEqual([
      { n: 1 },
    ]);
  });

  it('withdraws a vote, and a withdrawal takes a signed-off release back to frozen', async () => {
    await t.click(ActionIds.approve, value(), QA[0]!);
    await t.click(ActionIds.approve, value(), QA[1]!);
    await t.click(ActionIds.approve, value(), PM);
    await t.slack.waitFor(async () => (await state()) === 'signed_off');
    await t.click(ActionIds.withdraw, value(), PM);
    await t.slack.waitFor(async () => (await state()) === 'frozen');
    expect(await rows('select count(*) n from votes where voter = ?', PM)).toEqual([{ n: 0 }]);
    expect(
      (
        await rows(
          "select action from audit_events where action like 'vote%' or action like 'release_sign%' order by id",
        )
      ).map((r) => r.action),
    ).toEqual([
      'vote_approved',
      'vote_approved',
      'vote_approved',
      'release_signed_off',
      'vote_withdrawn',
      'release_sign_off_revoked',
    ]);
  });

  it('stores a double click once', async () => {
    await Promise.all([
      t.click(ActionIds.approve, value(), QA[0]!),
      t.click(ActionIds.approve, value(), QA[0]!),
    ]);
    await waitForVotes(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(await rows('select count(*) n from votes')).toEqual([{ n: 1 }]);
    expect(await rows("select count(*) n from audit_events where action = 'vote_approved'")).toEqual([
      { n: 1 },
    ]);
  });

  it('makes earlier votes stale when the candidate revision goes up', async () => {
    await t.click(ActionIds.approve, value(), QA[0]!);
    await t.click(ActionIds.approve, value(), QA[1]!);
    await t.click(ActionIds.approve, value(), PM);
    await t.slack.waitFor(async () => (await state()) === 'signed_off');

    await bumpCandidateRevision(
      t.bot.services,
      { userId: 'gate' },
      { releaseId, cause: 'BLOG-7 deployed blog-service abc123' },
    );
    expect(await rows('select state, revision from releases')).toEqual([{ state: 'frozen', revision: 2 }]);
    await t.slack.waitFor(() => lastUpdate().includes('Stale (given for an earlier revision'));
    const notice = threadLines().find((l) => l.includes('moved to revision 2'));
    expect(notice).toContain('BLOG-7 deployed blog-service abc123');
    expect(notice).toContain(`<@${QA[0]}>`);
    expect(lastUpdate()).toContain('*qa* 0/2');

    await t.click(ActionIds.approve, `${releaseId}:2`, QA[0]!);
    await t.slack.waitFor(
      async () => (await rows('select count(*) n from votes where revision = 2'))[0]?.n === 1,
    );
  });

  it('answers a button on a release that moved on with its current state', async () => {
    await t.command('/release', 'cancel 2.4 scrapped');
    const { responseId } = await t.click(ActionIds.approve, value(), QA[0]!);
    expect(replyText(await t.slack.waitForResponse(responseId))).toContain(
      '2.4 is cancelled now, so sign-off votes are closed',
    );
  });

  it('gives up a reply to a hung response_url after SLACK_TIMEOUT and closes the connection', async () => {
    await t.click(ActionIds.approve, value(), QA[0]!);
    await waitForVotes(1);
    t.slack.inject('response_url', { kind: 'hang' }, 1);
    const { status, responseId } = await t.click(ActionIds.approve, value(), QA[0]!);
    expect(status).toBe(200);
    // The "already approved" reply reached Slack, which never answered; the bot drops it (SLACK_TIMEOUT 1s)
    // instead of holding the press's listener and the connection open for good.
    expect(replyText(await t.slack.waitForResponse(responseId))).toContain('You have already approved 2.4.');
    expect(t.slack.hanging).toBe(1);
    await t.slack.waitFor(() => t.slack.hanging === 0, 5_000);
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/release_bot_outbound_requests_total\{system="slack",outcome="timeout"\} 1\b/);
  });

  it('lists and removes roles given as mentions and group IDs', async () => {
    const list = replyText(await t.command('/release', 'role list', 'UREADER1'));
    expect(list).toContain(`*product* · quorum 1 · <@${PM}>`);
    expect(list).toContain(`*qa* · quorum 2 · <!subteam^${QA_GROUP}>`);
    const refused = replyText(await t.command('/release', 'role remove qa', QA[0]));
    expect(refused).toContain('Only release managers may manage sign-off roles');
    await t.command('/release', 'role remove qa');
    expect(await rows('select name from signoff_roles')).toEqual([{ name: 'product' }]);
    expect(replyText(await t.command('/release', 'role remove qa'))).toContain(
      'There is no sign-off role `qa`',
    );
  });
});

describe('a sign-off storm', () => {
  let t: TestBot;
  afterEach(async () => {
    await t.stop();
  });

  it('stores 50 simultaneous approvals exactly once and the final message shows all of them', async () => {
    const voters = Array.from({ length: 50 }, (_, i) => `UV${String(i).padStart(6, '0')}`);
    t = await startTestBot({ SIGNOFF_ROLES: `qa=SSTORM01:50` });
    t.slack.userGroups.set('SSTORM01', voters);
    await t.command('/release', 'create 3.0');
    await t.command('/release', 'freeze 3.0');
    const releaseId = (await t.rows('select id from releases'))[0]!.id as number;
    const clicks = await Promise.all(voters.map((v) => t.click(ActionIds.approve, `${releaseId}:1`, v)));
    expect(clicks.every((c) => c.status === 200)).toBe(true);
    await t.slack.waitFor(
      async () => (await t.rows('select state from releases'))[0]?.state === 'signed_off',
      15_000,
    );
    expect(await t.rows('select count(distinct voter) n, count(*) total from votes')).toEqual([
      { n: 50, total: 50 },
    ]);
    await outboxSettled(t);
    const final = JSON.stringify(t.slack.callsOf('chat.update').at(-1)!.args.blocks);
    for (const voter of voters) expect(final).toContain(`<@${voter}>`);
    expect(final).toContain('*qa* 50/50');
  });
});
