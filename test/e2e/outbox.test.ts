import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActionIds } from '../../src/slack/ids.js';
import { DEFAULT_QA, MANAGER, replyText, type TestBot } from '../support/bot-harness.js';
import { askGate, botWithJira } from '../support/gate-client.js';
import type { JiraStandIn } from '../../src/playground/jira-stand-in.js';
import { RELEASE_CHANNEL } from '../support/slack-payloads.js';

describe('notices go through a durable outbox: Slack outages never block an answer or lose a message', () => {
  let jira: JiraStandIn;
  let t: TestBot;
  const rows = (sql: string, ...params: unknown[]) => t.rows(sql, ...params);
  const gate = (issues: string[], commit: string) => askGate(t.baseUrl, { issues, commit });
  const threadLines = () =>
    t.slack
      .deliveredOf('chat.postMessage')
      .filter((c) => c.args.thread_ts)
      .map((c) => String(c.args.text));
  const releaseId = async () => (await rows('select id from releases'))[0]!.id as number;
  const announced = () =>
    t.slack.waitFor(async () => (await rows('select announcement_permalink p from releases'))[0]?.p, 8000);

  beforeEach(async () => {
    ({ jira, t } = await botWithJira());
  });
  afterEach(async () => {
    await t.stop();
    await jira.stop();
  });

  it('answers gate checks while Slack hangs, then delivers what they caused exactly once', async () => {
    await t.command('/release', 'freeze 2.4');
    await announced();
    t.slack.inject('*', { kind: 'hang' });

    for (const commit of ['c0ffee01', 'c0ffee02', 'c0ffee03']) {
      const answer = await gate(['BLOG-1'], commit);
      expect(answer.status).toBe(200);
      expect(answer.body.allowed).toBe(true);
      // A hung Slack costs the pipeline nothing: the answer comes from our database and Jira.
      expect(answer.ms).toBeLessThan(1000);
    }
    expect(await rows('select revision from releases')).toEqual([{ revision: 4 }]);
    expect(
      (await rows("select count(*) n from outbox where state = 'pending'"))[0]!.n,
    ).toBeGreaterThanOrEqual(3);
    expect(threadLines().filter((l) => l.includes('moved to revision'))).toEqual([]);

    t.slack.heal();
    await t.slack.waitFor(
      () => threadLines().filter((l) => l.includes('moved to revision')).length === 3,
      15_000,
    );
    await t.slack.waitFor(
      async () => (await rows("select count(*) n from outbox where state = 'pending'"))[0]!.n === 0,
      15_000,
    );
    const moved = threadLines().filter((l) => l.includes('moved to revision'));
    expect(moved.map((l) => /revision (\d+)/.exec(l)![1])).toEqual(['2', '3', '4']);
    expect(await rows("select count(*) n from outbox where state != 'delivered'")).toEqual([{ n: 0 }]);
  });

  it('honours Retry-After when Slack rate-limits, then delivers everything in order without duplicates', async () => {
    await t.command('/release', 'freeze 2.4');
    await announced();
    t.slack.inject('chat.postMessage', { kind: 'ratelimited', retryAfterSeconds: 1 }, 1);
    const pressed = Date.now();
    await t.click(ActionIds.approve, `${await releaseId()}:1`, DEFAULT_QA);
    await gate(['BLOG-2'], 'feedbeef');
    await t.slack.waitFor(() => threadLines().some((l) => l.includes('no longer signed off')), 10_000);
    // The rate-limited post waited out Retry-After before it went again: refused once, then carried.
    const approvedPosts = t.slack
      .callsOf('chat.postMessage')
      .filter((c) => c.args.thread_ts && String(c.args.text).includes(`<@${DEFAULT_QA}> approved`));
    expect(approvedPosts).toHaveLength(2);
    expect(Date.now() - pressed).toBeGreaterThanOrEqual(1000);
    const lines = threadLines();
    expect(lines.filter((l) => l.includes(`<@${DEFAULT_QA}> approved`))).toHaveLength(1);
    const order = ['approved', 'ready for production', 'moved to revision 2', 'no longer signed off'].map(
      (n) => lines.findIndex((l) => l.includes(n)),
    );
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('never repeats a step that went out: a failed update is retried without posting the thread line again', async () => {
    await t.command('/release', 'freeze 2.4');
    await announced();
    const updatesBefore = t.slack.callsOf('chat.update').length;
    // The approval's own re-render is skipped (the sign-off notice right behind it re-renders), so both
    // failures land on the sign-off notice's second step: its retries must start after its thread line.
    t.slack.inject('chat.update', { kind: 'error', error: 'internal_error' }, 2);
    await t.click(ActionIds.approve, `${await releaseId()}:1`, DEFAULT_QA);
    await t.slack.waitFor(
      async () => (await rows("select count(*) n from outbox where state = 'pending'"))[0]!.n === 0,
      10_000,
    );
    expect(threadLines()).toEqual([
      `:heavy_check_mark: <@${DEFAULT_QA}> approved (qa)`,
      ':white_check_mark: *2.4 is ready for production.* Release managers can ship it.',
    ]);
    // Two refused updates and the one that went through: the failures really happened, on this notice.
    expect(t.slack.callsOf('chat.update').length - updatesBefore).toBe(3);
    expect(
      await rows("select kind, attempts, steps_done from outbox where kind = 'release_signed_off'"),
    ).toEqual([{ kind: 'release_signed_off', attempts: 2, steps_done: 2 }]);
    expect(JSON.stringify(t.slack.deliveredOf('chat.update').at(-1)!.args.blocks)).toContain('*qa* 1/1');
  });

  it('tells the manager at once when Slack refuses the announcement, and /release announce posts it again', async () => {
    t.slack.inject('chat.postMessage', { kind: 'error', error: 'not_in_channel' }, 1);
    const { id, url } = t.slack.newResponseUrl();
    const ack = await t.post(
      (await import('../support/slack-payloads.js')).slashCommandBody({
        command: '/release',
        text: 'freeze 2.4',
        userId: MANAGER,
        responseUrl: url,
      }),
    );
    expect(replyText((await ack.json()) as Record<string, unknown>)).toContain('*2.4* is frozen');
    const told = replyText(await t.slack.waitForResponse(id));
    expect(told).toContain('Slack refused its announcement (not_in_channel)');
    expect(told).toContain('`/invite @release-bot`');
    expect(told).toContain('`/release announce 2.4`');
    expect(await rows('select state, announcement_ts, announcement_problem from releases')).toEqual([
      {
        state: 'frozen',
        announcement_ts: null,
        announcement_problem: `release-bot is not in <#${RELEASE_CHANNEL}>: invite it there with \`/invite @release-bot\``,
      },
    ]);

    const refused = await t.command('/release', 'announce 2.4', 'UOTHER01');
    expect(replyText(refused)).toContain('Only release managers may post announcements again');
    const reposted = await t.command('/release', 'announce 2.4');
    expect(replyText(reposted)).toContain('Posting the announcement of *2.4* again');
    await announced();
    const announcement = t.slack.deliveredOf('chat.postMessage').at(-1)!;
    expect(JSON.stringify(announcement.args.blocks)).toContain(ActionIds.approve);
    expect(await rows('select announcement_problem from releases')).toEqual([{ announcement_problem: null }]);
  });

  it('marks the old announcement as moved, with a link to the new one', async () => {
    await t.command('/release', 'freeze 2.4');
    const first = await announced();
    const oldTs = (await rows('select announcement_ts from releases'))[0]!.announcement_ts;
    await t.command('/release', 'announce 2.4');
    await t.slack.waitFor(() => t.slack.deliveredOf('chat.update').find((c) => c.args.ts === oldTs), 8000);
    const newLink = await t.slack.waitFor(async () => {
      const p = (await rows('select announcement_permalink p from releases'))[0]?.p;
      return p !== first ? p : undefined;
    });
    const moved = t.slack.deliveredOf('chat.update').find((c) => c.args.ts === oldTs)!;
    expect(JSON.stringify(moved.args.blocks)).toContain(`moved <${String(newLink)}|here>`);
    expect(JSON.stringify(moved.args.blocks)).not.toContain(ActionIds.approve);
  });

  it('refuses to freeze a release that nobody could sign off, and says how to fix it', async () => {
    await t.command('/release', 'role remove qa');
    const reply = await t.command('/release', 'freeze 2.4');
    expect(replyText(reply)).toContain('no sign-off role is defined');
    expect(replyText(reply)).toContain('/release role set');
    expect(await rows('select state from releases')).toEqual([{ state: 'planned' }]);
    expect(await rows('select count(*) n from outbox')).toEqual([{ n: 0 }]);
  });

  it('waits out a refused token instead of failing the notice, and delivers it once the token works', async () => {
    t.slack.inject('chat.postMessage', { kind: 'error', error: 'invalid_auth' }, 1);
    const checksBefore = t.slack.callsOf('auth.test').length;
    await t.command('/release', 'freeze 2.4');
    await announced();
    expect(
      t.slack.deliveredOf('chat.postMessage').filter((c) => c.args.channel === RELEASE_CHANNEL),
    ).toHaveLength(1);
    // The refusal made the bot check its token again (auth.test), which worked: delivery resumed.
    expect(t.slack.callsOf('auth.test').length).toBeGreaterThan(checksBefore);
    expect(await rows("select count(*) n from outbox where state = 'failed'")).toEqual([{ n: 0 }]);
  });

  it('shows failed notices to managers in /release outbox, and /release outbox retry sends them', async () => {
    t.slack.inject('chat.postMessage', { kind: 'error', error: 'channel_not_found' }, 1);
    await t.command('/release', 'freeze 2.4');
    await t.slack.waitFor(
      async () => (await rows("select count(*) n from outbox where state = 'failed'"))[0]!.n === 1,
    );
    expect(replyText(await t.command('/release', 'outbox', 'UDEV00001'))).toContain('Only release managers');
    const overview = replyText(await t.command('/release', 'outbox'));
    expect(overview).toContain('1 failed');
    expect(overview).toContain('release_frozen (release:1)');
    expect(overview).toContain('slack:channel_not_found');
    expect(replyText(await t.command('/release', 'outbox retry'))).toContain(
      '1 failed notice is queued again',
    );
    await announced();
    expect(await rows("select state from outbox where kind = 'release_frozen'")).toEqual([
      { state: 'delivered' },
    ]);
    expect(replyText(await t.command('/release', 'outbox retry'))).toContain('No failed notices to retry');
    expect(await rows("select count(*) n from audit_events where action = 'outbox_requeued'")).toEqual([
      { n: 1 },
    ]);
  });
});
