import { afterEach, describe, expect, it } from 'vitest';
import { ActionIds } from '../../src/slack/ids.js';
import { DEFAULT_QA, startTestBot, type TestBot } from '../support/bot-harness.js';
import { releaseCommandTo, startBotProcess, type BotProcess } from '../support/bot-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { RELEASE_CHANNEL } from '../support/slack-payloads.js';
import { SlackStandIn } from '../support/slack-stand-in.js';

/**
 * Slack has no idempotency key for posts: a post whose answer never came (a deadline, a reset, a restart)
 * may or may not be in the channel. Each outbox message carries its key in metadata, and a retry reads the
 * conversation before it posts again. The stand-in carries the post out at once and answers late or never.
 */
describe('one message per notice, whatever Slack’s latency', () => {
  let t: TestBot | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });
  const announcements = (slack: SlackStandIn) => slack.postsIn(RELEASE_CHANNEL);
  const settled = (bot: TestBot) =>
    bot.slack.waitFor(
      async () => (await bot.rows("select count(*) n from outbox where state = 'pending'"))[0]!.n === 0,
      10_000,
    );

  it('posts one announcement and one vote line when Slack stores each post but answers after the deadline', async () => {
    t = await startTestBot({ SLACK_TIMEOUT: '1s' });
    await t.command('/release', 'create 2.4');
    t.slack.inject('chat.postMessage', { kind: 'slow', delayMs: 1_500 }, 1);
    await t.command('/release', 'freeze 2.4');
    await settled(t);
    expect(announcements(t.slack)).toHaveLength(1);
    const stored = (await t.rows('select announcement_ts ts from releases'))[0]!.ts;
    expect(stored).toBe(announcements(t.slack)[0]!.ts);
    // The retry looked the post up instead of posting again.
    expect(t.slack.callsOf('conversations.history')).toHaveLength(1);

    const id = (await t.rows('select id from releases'))[0]!.id as number;
    t.slack.inject('chat.postMessage', { kind: 'slow', delayMs: 1_500 }, 1);
    await t.click(ActionIds.approve, `${id}:1`, DEFAULT_QA);
    await settled(t);
    const votes = t.slack.messages.filter((m) => String(m.text).includes(`<@${DEFAULT_QA}> approved`));
    expect(votes).toHaveLength(1);
    expect(t.slack.callsOf('conversations.replies').length).toBeGreaterThanOrEqual(1);
  });

  it('posts one message when the connection resets after Slack stored the post', async () => {
    t = await startTestBot({ SLACK_TIMEOUT: '1s' });
    await t.command('/release', 'create 2.4');
    t.slack.inject('chat.postMessage', { kind: 'reset' }, 1);
    await t.command('/release', 'freeze 2.4');
    await settled(t);
    expect(t.slack.callsOf('chat.postMessage').filter((c) => !c.args.thread_ts)).toHaveLength(1);
    expect(announcements(t.slack)).toHaveLength(1);
  });

  it('a DM in doubt is looked up in the DM channel it went to', async () => {
    t = await startTestBot({ SLACK_TIMEOUT: '1s' });
    await t.command('/release', 'create 2.4');
    await t.command('/release', 'freeze 2.4');
    await settled(t);
    // A frozen release's remind DMs the sign-off role; the first DM is stored but answered late.
    t.slack.inject('chat.postMessage', { kind: 'slow', delayMs: 1_500 }, 1);
    await t.ackBody('/release', 'remind 2.4');
    await settled(t);
    expect(t.slack.messages.filter((m) => m.channel === `D${DEFAULT_QA}`)).toHaveLength(1);
    expect(t.slack.callsOf('conversations.open')).toEqual([
      expect.objectContaining({ args: expect.objectContaining({ users: DEFAULT_QA }) }),
    ]);
  });

  it('without the history scopes posts again (a duplicate) and names the missing scope in /readyz', async () => {
    t = await startTestBot({ SLACK_TIMEOUT: '1s' });
    t.slack.missingScopes.add('channels:history');
    await t.command('/release', 'create 2.4');
    t.slack.inject('chat.postMessage', { kind: 'slow', delayMs: 1_500 }, 1);
    await t.command('/release', 'freeze 2.4');
    await settled(t);
    expect(announcements(t.slack)).toHaveLength(2);
    const ready = (await (await fetch(`${t.baseUrl}/readyz`)).json()) as {
      status: string;
      checks: Record<string, string>;
    };
    expect(ready.checks.slack_history).toContain('missing_scope');
    expect(ready.checks.slack_history).toContain('channels:history');
    // A degraded guarantee, not an outage: the instance stays ready.
    expect(ready.status).toBe('ready');
  });
});

describe('one message per notice across a restart', () => {
  let bot: BotProcess | undefined;
  let slack: SlackStandIn;
  let database: TestDatabase;
  afterEach(async () => {
    await bot?.kill('SIGKILL');
    await slack.stop();
    await database.drop();
  });

  it('after a SIGTERM while the announcement was unanswered, the next start adopts it instead of posting again', async () => {
    slack = await new SlackStandIn().start();
    database = await createTestDatabase();
    const env = { SLACK_TIMEOUT: '5s', SHUTDOWN_GRACE: '1s' };
    bot = await startBotProcess(slack, database, env);
    const command = releaseCommandTo(() => bot!, slack);
    await command('create 2.4');
    slack.inject('chat.postMessage', { kind: 'slow', delayMs: 20_000 }, 1);
    await command('freeze 2.4');
    await slack.waitFor(() => slack.postsIn(RELEASE_CHANNEL).length === 1, 5_000);
    expect(await bot.kill('SIGTERM')).toBe(0);
    bot = await startBotProcess(slack, database, env);
    await slack.waitFor(
      async () => (await database.rows("select count(*) n from outbox where state = 'pending'"))[0]!.n === 0,
      15_000,
    );
    expect(slack.postsIn(RELEASE_CHANNEL)).toHaveLength(1);
    expect((await database.rows('select announcement_ts ts from releases'))[0]!.ts).toBe(
      slack.postsIn(RELEASE_CHANNEL)[0]!.ts,
    );
  }, 40_000);
});
