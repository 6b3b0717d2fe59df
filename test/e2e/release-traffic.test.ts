import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActionIds, BlockIds, CallbackIds, InputActionIds } from '../../src/slack/ids.js';
import { DEFAULT_QA, replyText, type TestBot } from '../support/bot-harness.js';
import { askGate, botWithJira, outboxSettled } from '../support/gate-client.js';
import type { JiraStandIn } from '../../src/playground/jira-stand-in.js';

const QA_GROUP = 'SQAGROUP1';

describe('the release flow under real traffic: retries, old buttons, re-freezes, a Jira outage', () => {
  let jira: JiraStandIn;
  let t: TestBot;
  const rows = (sql: string, ...params: unknown[]) => t.rows(sql, ...params);
  const releaseId = async () => (await rows('select id from releases'))[0]!.id as number;
  const state = async () => (await rows('select state, revision from releases'))[0];
  const threadLines = () =>
    t.slack
      .deliveredOf('chat.postMessage')
      .filter((c) => c.args.thread_ts)
      .map((c) => String(c.args.text));
  const gate = async (issues: string[], commit?: string) =>
    askGate(t.baseUrl, { issues, ...(commit ? { commit } : {}) });
  const settled = () => outboxSettled(t);
  const rejectValues = (reason: string) => ({
    [BlockIds.rejectReason]: { [InputActionIds.rejectReason]: { type: 'plain_text_input', value: reason } },
  });

  beforeEach(async () => {
    ({ jira, t } = await botWithJira());
    await t.command('/release', 'freeze 2.4');
    await settled();
  });
  afterEach(async () => {
    await t.stop();
    await jira.stop();
  });

  it('asked three times about one commit, the gate bumps the revision once and says so once', async () => {
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await gate(['blog-1'], 'abc123'));
    expect(answers.map((a) => [a.status, a.body.allowed, a.body.revision, a.body.repeated])).toEqual([
      [200, true, 2, false],
      [200, true, 2, true],
      [200, true, 2, true],
    ]);
    expect((answers[0]!.body.checked_issues as { key: string }[])[0]!.key).toBe('BLOG-1');
    expect(await state()).toEqual({ state: 'frozen', revision: 2 });
    expect(await rows('select count(*) n from gate_checks')).toEqual([{ n: 1 }]);
    expect(await rows("select count(*) n from audit_events where action = 'revision_bumped'")).toEqual([
      { n: 1 },
    ]);

    // A new commit of the same service is a new change: one more bump.
    expect((await gate(['BLOG-1'], 'def456')).body.revision).toBe(3);
    await settled();
    expect(threadLines().filter((l) => l.includes('moved to revision'))).toHaveLength(2);
  });

  it('a re-freeze starts a new revision with an empty tally; a fresh approval signs it off and it ships', async () => {
    await t.click(ActionIds.approve, `${await releaseId()}:1`, DEFAULT_QA);
    await t.slack.waitFor(async () => (await state())?.state === 'signed_off');
    await t.command('/release', 'unfreeze 2.4 one more fix');
    const refrozen = await t.command('/release', 'freeze 2.4');
    expect(replyText(refrozen)).toContain('(revision 2)');
    expect(await state()).toEqual({ state: 'frozen', revision: 2 });
    await settled();
    const announcement = t.slack
      .deliveredOf('chat.postMessage')
      .filter((c) => !c.args.thread_ts)
      .at(-1)!;
    const blocks = JSON.stringify(announcement.args.blocks);
    expect(blocks).toContain('*qa* 0/1');
    expect(blocks).toContain(`Stale (given for an earlier revision, no longer counted): <@${DEFAULT_QA}>`);

    // The old announcement's button is refused; the new one counts.
    const old = await t.click(ActionIds.approve, `${await releaseId()}:1`, DEFAULT_QA);
    expect(replyText(await t.slack.waitForResponse(old.responseId))).toContain(
      'This is revision 1, the current one is 2',
    );
    await t.click(ActionIds.approve, `${await releaseId()}:2`, DEFAULT_QA);
    await t.slack.waitFor(async () => (await state())?.state === 'signed_off');
    expect(replyText(await t.command('/release', 'ship 2.4'))).toContain('is released');
    expect(await state()).toEqual({ state: 'released', revision: 2 });
  });

  it('refuses a stale button and a stale modal, with a link to the current announcement, and changes nothing', async () => {
    await gate(['BLOG-1'], 'abc123');
    expect((await state())?.revision).toBe(2);
    await settled();
    const votesBefore = await rows('select * from votes');
    const auditBefore = await rows('select count(*) n from audit_events');

    const pressed = await t.click(ActionIds.approve, `${await releaseId()}:1`, DEFAULT_QA);
    expect(pressed.status).toBe(200);
    const reply = replyText(await t.slack.waitForResponse(pressed.responseId));
    expect(reply).toContain('This is revision 1, the current one is 2 of 2.4: nothing was recorded');
    expect(reply).toContain('<https://acme.slack.com/archives/');

    const withdraw = await t.click(ActionIds.withdraw, `${await releaseId()}:1`, DEFAULT_QA);
    expect(replyText(await t.slack.waitForResponse(withdraw.responseId))).toContain('This is revision 1');

    const submitted = await t.submitView(
      CallbackIds.rejectModal,
      DEFAULT_QA,
      JSON.stringify({ releaseId: await releaseId(), revision: 1 }),
      rejectValues('crashes on login'),
    );
    const body = (await submitted.json()) as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(body.errors[BlockIds.rejectReason]).toContain('This is revision 1, the current one is 2');

    expect(await rows('select * from votes')).toEqual(votesBefore);
    expect(await rows('select count(*) n from audit_events')).toEqual(auditBefore);
    expect(await state()).toEqual({ state: 'frozen', revision: 2 });
  });

  it('opens the Reject form before any user-group look-up, and checks membership on submit', async () => {
    await t.command('/release', `role set qa <!subteam^${QA_GROUP}|@qa>`);
    await t.command('/release', 'unfreeze 2.4');
    await t.command('/release', 'freeze 2.4');
    t.slack.userGroups.set(QA_GROUP, [DEFAULT_QA]);
    t.slack.inject('usergroups.users.list', { kind: 'hang' });
    await t.click(ActionIds.reject, `${await releaseId()}:2`, DEFAULT_QA);
    const opened = await t.slack.waitFor(() => t.slack.deliveredOf('views.open')[0], 3000);
    expect(JSON.stringify(opened.args.view)).toContain('(revision 2)');
    expect(t.slack.callsOf('usergroups.users.list')).toHaveLength(0);

    t.slack.heal();
    const submitted = await t.submitView(
      CallbackIds.rejectModal,
      DEFAULT_QA,
      JSON.stringify({ releaseId: await releaseId(), revision: 2 }),
      rejectValues('checkout is broken'),
    );
    expect(submitted.status).toBe(200);
    expect(await rows('select voter, decision, revision from votes')).toEqual([
      { voter: DEFAULT_QA, decision: 'reject', revision: 2 },
    ]);
  });

  it('ships at once while Jira answers 503, and the Jira outcome follows in the thread', async () => {
    await t.click(ActionIds.approve, `${await releaseId()}:1`, DEFAULT_QA);
    await t.slack.waitFor(async () => (await state())?.state === 'signed_off');
    await settled();
    jira.fail('GET', '/rest/api/3/project/', 503, { times: 1000 });
    const started = Date.now();
    const reply = replyText(await t.command('/release', 'ship 2.4'));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(reply).toContain('*2.4* is released');
    expect(reply).toContain('the outcome goes to the thread');
    await t.slack.waitFor(() => threadLines().some((l) => l.includes('shipped *2.4*')), 2000);
    expect(await rows('select state, jira_sync from releases')).toEqual([
      { state: 'released', jira_sync: 'pending' },
    ]);

    // Jira's own retries give up after about 30 s; the thread then says what failed and how to retry.
    const failure = await t.slack.waitFor(
      () => threadLines().find((l) => l.includes('Jira was not updated')),
      45_000,
    );
    expect(failure).toContain('/release jira-sync 2.4');
    expect(await rows('select jira_sync from releases')).toEqual([{ jira_sync: 'failed' }]);
  }, 60_000);

  it('shares one Jira request among simultaneous gate checks for the same key', async () => {
    // A ticket outside the frozen scope: the warm-up at freeze never reads it, so the first check finds it cold.
    jira.addIssues('BLOG', 1, () => ({ type: 'Bug', fixVersions: [] }));
    jira.delayMs = 300;
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => gate(['BLOG-4'], `commit${i}`)));
    expect(answers.map((a) => [a.status, a.body.allowed])).toEqual(Array(10).fill([200, false]));
    expect(new Set(answers.map((a) => a.body.reason)).size).toBe(1);
    expect(jira.lookupsOf('BLOG-4')).toBe(1);
  });
});
