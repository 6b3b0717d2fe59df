import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActionIds } from '../../src/slack/ids.js';
import { MANAGER } from '../support/bot-harness.js';
import { startBotProcess, type BotProcess } from '../support/bot-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { JIRA_EMAIL, JIRA_TOKEN, JiraStandIn } from '../../src/playground/jira-stand-in.js';
import { blockActionsPayload, interactiveBody, slashCommandBody } from '../support/slack-payloads.js';
import { SlackStandIn } from '../support/slack-stand-in.js';

const TOKEN = 'gate-token';

describe('crashes and shutdowns lose nothing that was acked', () => {
  let slack: SlackStandIn;
  let database: TestDatabase;
  let bot: BotProcess | undefined;
  const rows = (sql: string) => database.rows(sql);
  const command = (text: string, responseUrl = `${slack.url}/response/ignored`) =>
    bot!.post(slashCommandBody({ command: '/release', text, userId: MANAGER, responseUrl }));
  const gate = (commit: string) =>
    fetch(`${bot!.baseUrl}/api/v1/gate/check`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'blog-service', environment: 'preprod', issues: ['BLOG-1'], commit }),
    }).then((r) => r.json() as Promise<Record<string, unknown>>);

  beforeEach(async () => {
    slack = await new SlackStandIn().start();
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await bot?.kill('SIGKILL');
    bot = undefined;
    await slack.stop();
    await database.drop();
  });

  it('after a SIGKILL, every notice that was not delivered goes out exactly once on the next start', async () => {
    const env = { GATE_API_TOKEN: TOKEN, GATE_FAIL_OPEN: 'true' };
    slack.inject('*', { kind: 'hang' });
    bot = await startBotProcess(slack, database, env);
    expect(await command('create 2.4')).toBe(200);
    expect(await command('freeze 2.4')).toBe(200);
    expect((await gate('aaa111')).revision).toBe(2);
    expect((await gate('bbb222')).revision).toBe(3);
    await bot.kill('SIGKILL');
    expect(await rows("select kind from outbox where state = 'pending' order by id")).toEqual([
      { kind: 'release_frozen' },
      { kind: 'revision_bumped' },
      { kind: 'revision_bumped' },
    ]);

    slack.heal();
    bot = await startBotProcess(slack, database, env);
    await slack.waitFor(
      async () => (await rows("select count(*) n from outbox where state = 'pending'"))[0]!.n === 0,
      20_000,
    );
    const posts = slack.deliveredOf('chat.postMessage');
    expect(posts.filter((c) => !c.args.thread_ts)).toHaveLength(1);
    expect(
      posts.filter((c) => String(c.args.text).includes('moved to revision')).map((c) => c.args.text),
    ).toEqual([
      expect.stringContaining('moved to revision 2'),
      expect.stringContaining('moved to revision 3'),
    ]);
    expect(await rows("select count(*) n from outbox where state != 'delivered'")).toEqual([{ n: 0 }]);
  });

  it('stores every acked vote of a 50-vote storm even when the process is killed right after the last ack', async () => {
    const voters = Array.from({ length: 50 }, (_, i) => `UQA${String(i).padStart(5, '0')}`);
    bot = await startBotProcess(slack, database, { SIGNOFF_ROLES: `qa=${voters.join(',')}:50` });
    await command('create 2.4');
    await command('freeze 2.4');
    const releaseId = (await rows('select id from releases'))[0]!.id as number;
    const statuses = await Promise.all(
      voters.map((voter) =>
        bot!.post(
          interactiveBody(
            blockActionsPayload({
              actionId: ActionIds.approve,
              value: `${releaseId}:1`,
              userId: voter,
              responseUrl: `${slack.url}/response/${voter}`,
            }),
          ),
        ),
      ),
    );
    await bot.kill('SIGKILL');
    const acked = statuses.filter((s) => s === 200).length;
    expect(acked).toBe(50);
    expect(await rows('select count(*) n from votes')).toEqual([{ n: acked }]);
    // SQLite's file is checked; PostgreSQL recovers from its write-ahead log by itself.
    const integrity =
      database.kind === 'sqlite' ? (await rows('pragma integrity_check'))[0]!.integrity_check : 'ok';
    expect(integrity).toBe('ok');
    expect(await rows('select state from releases')).toEqual([{ state: 'signed_off' }]);
  });

  it('on SIGTERM finishes the request in flight, flushes what it can, and leaves the rest for the next start', async () => {
    const jira = await new JiraStandIn().start();
    try {
      jira.addProject('BLOG', '2.4');
      jira.addIssues('BLOG', 2, () => ({ fixVersions: ['2.4'] }));
      const env = {
        JIRA_BASE_URL: jira.url,
        JIRA_EMAIL,
        JIRA_API_TOKEN: JIRA_TOKEN,
        JIRA_PROJECTS: 'BLOG',
        SHUTDOWN_GRACE: '4s',
      };
      bot = await startBotProcess(slack, database, env);
      await command('create 2.4');
      // Slack goes quiet: the announcement cannot go out before the shutdown.
      slack.inject('chat.postMessage', { kind: 'hang' });
      await command('freeze 2.4');
      // A slow command is in flight when SIGTERM comes: its answer still reaches the user.
      jira.delayMs = 1500;
      const { id, url } = slack.newResponseUrl();
      expect(await command('scope 2.4', url)).toBe(200);
      const started = Date.now();
      const exit = await bot.kill('SIGTERM');
      bot = undefined;
      expect(exit).toBe(0);
      expect(Date.now() - started).toBeLessThan(6000);
      expect(JSON.stringify((await slack.waitForResponse(id, 100)).blocks)).toContain('BLOG-1');
      expect(await rows("select kind, state from outbox where kind = 'release_frozen'")).toEqual([
        { kind: 'release_frozen', state: 'pending' },
      ]);

      slack.heal();
      jira.delayMs = 0;
      bot = await startBotProcess(slack, database, env);
      await slack.waitFor(
        async () => (await rows("select count(*) n from outbox where state = 'pending'"))[0]!.n === 0,
        15_000,
      );
      expect(slack.deliveredOf('chat.postMessage').filter((c) => !c.args.thread_ts)).toHaveLength(1);
    } finally {
      await jira.stop();
    }
  }, 40_000);
});
