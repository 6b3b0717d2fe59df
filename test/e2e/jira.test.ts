import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActionIds } from '../../src/slack/ids.js';
import { replyText, startTestBot, type TestBot } from '../support/bot-harness.js';
import { JIRA_EMAIL, JIRA_TOKEN, JiraStandIn } from '../../src/playground/jira-stand-in.js';

const SHIP_DAY = new Date('2026-12-10T15:30:00Z');

function jiraEnv(jira: JiraStandIn, extra: Record<string, string> = {}): Record<string, string> {
  return {
    JIRA_BASE_URL: jira.url,
    JIRA_EMAIL,
    JIRA_API_TOKEN: JIRA_TOKEN,
    JIRA_PROJECTS: 'BLOG,TAG',
    ...extra,
  };
}

describe('Jira scope and write-back', () => {
  let jira: JiraStandIn;
  let t: TestBot;
  beforeEach(async () => {
    jira = await new JiraStandIn().start();
  });
  afterEach(async () => {
    await t?.stop();
    await jira.stop();
  });

  it('reads the scope across 3 pages and 2 projects and shows it in status and scope', async () => {
    jira.addProject('BLOG', '2.4', '2.5').addProject('TAG', '2.4');
    jira.addIssues('BLOG', 150, (i) => ({
      fixVersions: ['2.4'],
      category: i <= 12 ? 'indeterminate' : 'done',
      status: i <= 12 ? 'In Review' : 'Done',
      type: i % 3 === 0 ? 'Bug' : 'Story',
    }));
    jira.addIssues('TAG', 100, (i) => ({
      fixVersions: ['2.4'],
      category: i <= 3 ? 'new' : 'done',
      status: i <= 3 ? 'To Do' : 'Done',
      type: 'Story',
    }));
    jira.addIssues('BLOG', 5, () => ({ fixVersions: ['2.5'] }));
    t = await startTestBot(jiraEnv(jira));
    await t.command('/release', 'create 2.4');

    const status = replyText(await t.command('/release', 'status 2.4', 'UREADER1'));
    // Counts are exact (the not-done tickets read whole, the done ones counted by key); only the done
    // tickets' types are Jira's estimates, and the reply says so.
    expect(status).toContain(
      '*Scope:* 250 tickets · 3 to do · 12 in progress · 235 done · Bug ≈50, Story ≈200 (types estimated by Jira)',
    );
    expect(status).toContain(`<${jira.url}/browse/BLOG-1|BLOG-1> Ticket 1 · _In Review_`);
    expect(status).toContain('and 5 more: <');
    expect(status).toMatch(/fetched (just now|\ds ago)/);
    const scope = 'project in ("BLOG", "TAG") AND fixVersion = "2.4"';
    expect(jira.receivedJql).toEqual([
      `${scope} AND statusCategory != "Done" ORDER BY key ASC`,
      `${scope} AND statusCategory = "Done"`,
    ]);
    const searches = jira.requests.filter((r) => r.path === '/rest/api/3/search/jql');
    expect(searches.map((r) => (r.body as { fields: string[] }).fields)).toEqual([
      ['summary', 'status', 'issuetype', 'assignee', 'priority', 'fixVersions'],
      ['key'],
    ]);
    expect(jira.requestsTo('POST', '/rest/api/3/search/approximate-count')).toBe(3);

    // Listing every ticket reads them all, 100 a page.
    const page2 = replyText(await t.command('/release', 'scope 2.4 page=2', 'UREADER1'));
    expect(page2).toContain('250 tickets (page 2 of 10)');
    expect(page2).toContain('BLOG-26');
    expect(jira.requestsTo('POST', '/rest/api/3/search/jql')).toBe(2 + 3);
  });

  it('quotes a hostile version name so it cannot change the query', async () => {
    const template = 'Blog {version} "beta" \\ OR project = SECRET';
    const versionName = 'Blog 2.4 "beta" \\ OR project = SECRET';
    jira.addProject('BLOG', versionName).addProject('TAG', versionName).addProject('SECRET', '2.4');
    jira.addIssues('BLOG', 2, () => ({ fixVersions: [versionName] }));
    jira.addIssues('SECRET', 2, () => ({ fixVersions: ['2.4'] }));
    t = await startTestBot(jiraEnv(jira, { JIRA_VERSION_NAME: template }));
    await t.command('/release', 'create 2.4');
    const status = replyText(await t.command('/release', 'status 2.4'));
    const scope =
      'project in ("BLOG", "TAG") AND fixVersion = "Blog 2.4 \\"beta\\" \\\\ OR project = SECRET"';
    expect(jira.receivedJql).toEqual([
      `${scope} AND statusCategory != "Done" ORDER BY key ASC`,
      `${scope} AND statusCategory = "Done"`,
    ]);
    expect(status).toContain('*Scope:* 2 tickets');
    expect(status).not.toContain('SECRET-1');
  });

  it('says which project is missing the version instead of showing an empty scope', async () => {
    jira.addProject('BLOG', '2.4').addProject('TAG');
    jira.addIssues('BLOG', 2, () => ({ fixVersions: ['2.4'], category: 'new', status: 'To Do' }));
    t = await startTestBot(jiraEnv(jira));
    await t.command('/release', 'create 2.4');
    const status = replyText(await t.command('/release', 'status 2.4'));
    expect(status).toContain('Jira project *TAG* has no version `2.4`');
    expect(jira.receivedJql).toEqual([
      'project = "BLOG" AND fixVersion = "2.4" AND statusCategory != "Done" ORDER BY key ASC',
      'project = "BLOG" AND fixVersion = "2.4" AND statusCategory = "Done"',
    ]);

    // The freeze is committed and acked at once; the Jira heads-up follows privately.
    const first = await t.command('/release', 'freeze 2.4');
    expect(replyText(first)).toContain('*2.4* is frozen');
    await t.slack.waitFor(() =>
      t.slack.responses.some((r) =>
        replyText(r.body).includes(
          '2 of 2 tickets in 2.4 are not done; Jira project(s) TAG have no version for it. It is frozen anyway',
        ),
      ),
    );
    const announcement = await t.slack.waitFor(() => t.slack.callsOf('chat.postMessage')[0]);
    expect(JSON.stringify(announcement.args.blocks)).toContain('*Scope:* 2 tickets · 2 to do');

    const created = replyText(await t.command('/release', 'create 2.4 jira=create'));
    expect(created).toContain('Created Jira version `2.4` in TAG');
    expect(jira.version('TAG', '2.4')).toMatchObject({ name: '2.4', released: false });
    const refused = replyText(await t.command('/release', 'create 2.4 jira=create', 'UOTHER1'));
    expect(refused).toContain('Only release managers may create Jira versions');
  });

  it('retries a 429, honouring Retry-After', async () => {
    jira.addProject('BLOG', '2.4').addProject('TAG', '2.4');
    jira.addIssues('BLOG', 3, () => ({ fixVersions: ['2.4'] }));
    jira.fail('POST', '/rest/api/3/search/jql', 429, { headers: { 'Retry-After': '1' } });
    t = await startTestBot(jiraEnv(jira));
    await t.command('/release', 'create 2.4');
    const started = Date.now();
    const status = replyText(await t.command('/release', 'status 2.4'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(status).toContain('*Scope:* 3 tickets');
    // The 429 and its retry, then the count of the done ones.
    expect(jira.requestsTo('POST', '/rest/api/3/search/jql')).toBe(3);
  });

  it('falls back to reading every ticket where Jira has no approximate-count', async () => {
    jira.addProject('BLOG', '2.4').addProject('TAG', '2.4');
    jira.addIssues('BLOG', 4, (i) => ({
      fixVersions: ['2.4'],
      category: i === 1 ? 'new' : 'done',
      type: 'Bug',
    }));
    jira.approximateCount = false;
    t = await startTestBot(jiraEnv(jira));
    await t.command('/release', 'create 2.4');
    const status = replyText(await t.command('/release', 'status 2.4'));
    expect(status).toContain('*Scope:* 4 tickets · 1 to do · 0 in progress · 3 done · Bug 4');
    expect(status).not.toContain('≈');
    expect(jira.receivedJql.at(-1)).toBe(
      'project in ("BLOG", "TAG") AND fixVersion = "2.4" ORDER BY key ASC',
    );
  });

  it('explains a 401 and still answers', async () => {
    jira.addProject('BLOG', '2.4').addProject('TAG', '2.4');
    t = await startTestBot(jiraEnv(jira, { JIRA_API_TOKEN: 'wrong-token' }));
    await t.command('/release', 'create 2.4');
    const status = replyText(await t.command('/release', 'status 2.4'));
    expect(status).toContain('Release 2.4');
    expect(status).toContain('Jira refused release-bot (401)');
    expect(status).toContain('check JIRA_EMAIL / JIRA_API_TOKEN');
    expect(status).not.toContain('wrong-token');
  });

  it('marks every project’s version released with the ship date, and jira-sync retries a failure', async () => {
    jira.addProject('BLOG', '2.4').addProject('TAG', '2.4');
    t = await startTestBot(
      { ...jiraEnv(jira), SIGNOFF_ROLES: 'qa=UQA00001' },
      { clock: { now: () => new Date(SHIP_DAY) } },
    );
    await t.command('/release', 'create 2.4');
    await t.command('/release', 'freeze 2.4');
    const releaseId = (await t.rows('select id from releases'))[0]!.id as number;
    await t.click(ActionIds.approve, `${releaseId}:1`, 'UQA00001');
    await t.slack.waitFor(
      async () => (await t.rows('select state from releases'))[0]?.state === 'signed_off',
    );

    jira.fail('PUT', '/rest/api/3/version/', 500, { times: 1 });
    const shipped = replyText(await t.command('/release', 'ship 2.4'));
    expect(shipped).toContain('is released');
    await t.slack.waitFor(
      async () => (await t.rows('select jira_sync from releases'))[0]?.jira_sync === 'failed',
    );
    expect(await t.rows('select state, jira_sync from releases')).toEqual([
      { state: 'released', jira_sync: 'failed' },
    ]);
    const warning = await t.slack.waitFor(() =>
      t.slack
        .callsOf('chat.postMessage')
        .find((c) => String(c.args.text).includes('Jira was not fully updated')),
    );
    expect(String(warning.args.text)).toContain('/release jira-sync 2.4');
    expect(jira.version('BLOG', '2.4')!.released || jira.version('TAG', '2.4')!.released).toBe(true);

    const synced = replyText(await t.command('/release', 'jira-sync 2.4'));
    expect(synced).toContain('Jira versions of *2.4* are marked released');
    for (const project of ['BLOG', 'TAG']) {
      expect(jira.version(project, '2.4')).toMatchObject({ released: true, releaseDate: '2026-12-10' });
    }
    expect(await t.rows('select jira_sync from releases')).toEqual([{ jira_sync: 'done' }]);

    // A crash after the write-back's step committed but before its row was marked delivered: the row is
    // pending again at the next start. Its step is done, so Jira is not written again and nobody is told twice.
    await t.slack.waitFor(
      async () => (await t.rows("select count(*) n from outbox where state = 'pending'"))[0]!.n === 0,
    );
    const writesBefore = jira.requestsTo('PUT', '/rest/api/3/version/');
    const linesBefore = t.slack.callsOf('chat.postMessage').length;
    await t.database.run(
      "update outbox set state = 'pending', settled_at = null where kind = 'tracker_sync_requested'",
    );
    t.bot.services.relay.wake();
    await t.slack.waitFor(
      async () =>
        (await t.rows("select state from outbox where kind = 'tracker_sync_requested'"))[0]!.state ===
        'delivered',
    );
    expect(jira.requestsTo('PUT', '/rest/api/3/version/')).toBe(writesBefore);
    expect(t.slack.callsOf('chat.postMessage')).toHaveLength(linesBefore);
  });

  it('gives up on a Jira that does not answer within JIRA_TIMEOUT and says so', async () => {
    jira.addProject('BLOG', '2.4').addProject('TAG', '2.4');
    jira.delayMs = 3000;
    t = await startTestBot(jiraEnv(jira, { JIRA_TIMEOUT: '1s' }));
    await t.command('/release', 'create 2.4');
    const started = Date.now();
    const status = replyText(await t.command('/release', 'status 2.4'));
    expect(Date.now() - started).toBeLessThan(2900);
    expect(status).toContain('Jira did not answer in time');
    expect(status).toContain('Release 2.4');
  });

  it('works without Jira and says it is not connected', async () => {
    t = await startTestBot();
    await t.command('/release', 'create 2.4');
    expect(replyText(await t.command('/release', 'status 2.4'))).toContain('Jira is not connected');
    expect(replyText(await t.command('/release', 'scope 2.4'))).toContain(
      'Jira is not connected: set JIRA_BASE_URL',
    );
  });
});
