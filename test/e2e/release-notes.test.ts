import { afterEach, describe, expect, it } from 'vitest';
import { MANAGER, replyText, startTestBot, type TestBot } from '../support/bot-harness.js';
import { askGate, gateAndJiraEnv, GATE_TOKEN, outboxSettled } from '../support/gate-client.js';
import { JiraStandIn } from '../../src/playground/jira-stand-in.js';

const QA = 'UQA00001';

async function botWithScope(env: Record<string, string> = {}): Promise<{ jira: JiraStandIn; t: TestBot }> {
  const jira = await new JiraStandIn().start();
  jira.addProject('BLOG', '2.4');
  jira.addIssues('BLOG', 2, (i) => ({ type: 'Bug', fixVersions: ['2.4'], summary: `Login fails ${i}` }));
  jira.addIssues('BLOG', 1, () => ({ type: 'Story', fixVersions: ['2.4'], summary: 'Tags on posts' }));
  jira.addIssues('BLOG', 1, () => ({ type: 'Task', fixVersions: ['2.4'], summary: 'Bump Node' }));
  jira.addIssues('BLOG', 1, () => ({ type: 'Epic', fixVersions: ['2.4'], summary: 'Blog v3' }));
  const t = await startTestBot({ ...gateAndJiraEnv(jira), SIGNOFF_ROLES: `qa=${QA}`, ...env });
  return { jira, t };
}

/** Freeze, one late bug fix through the gate, QA approves: ready to ship. */
async function signedOffWithLateChange(t: TestBot): Promise<number> {
  await t.command('/release', 'create 2.4');
  await t.command('/release', 'freeze 2.4 =SUM(A1) "quoted", with a comma');
  const gate = await askGate(t.baseUrl, { issues: ['BLOG-1'], commit: 'abcdef0123456789' });
  expect(gate.body.allowed).toBe(true);
  const releaseId = (await t.rows('select id, revision from releases'))[0]!;
  await t.click('signoff_approve', `${String(releaseId.id)}:${String(releaseId.revision)}`, QA);
  await t.slack.waitFor(async () => (await t.rows('select state from releases'))[0]?.state === 'signed_off');
  return releaseId.id as number;
}

describe('release notes and late changes', () => {
  let t: TestBot;
  let jira: JiraStandIn;
  afterEach(async () => {
    await t.stop();
    await jira.stop();
  });

  it('lists tickets by type, the late changes and the sign-offs; status shows the late changes; ship posts them in the thread', async () => {
    ({ jira, t } = await botWithScope());
    await signedOffWithLateChange(t);

    const status = replyText(await t.command('/release', 'status 2.4', 'UREADER1'));
    expect(status).toContain('*Late changes* (1 since the freeze)');
    expect(status).toContain('blog-service: BLOG-1 at abcdef012345, through the gate');

    const notes = replyText(await t.command('/release', 'notes 2.4', 'UREADER1'));
    for (const part of [
      '*Bugs* (2)',
      `<${jira.url}/browse/BLOG-1|BLOG-1> Login fails 1`,
      '*Stories* (1)',
      '*Tasks* (1)',
      '*Other* (1)',
      'Blog v3',
      '*Late changes* (1 since the freeze)',
      `<@${QA}> approved (qa) on revision 2`,
    ]) {
      expect(notes).toContain(part);
    }
    expect(notes.indexOf('*Bugs*')).toBeLessThan(notes.indexOf('*Stories*'));

    await t.command('/release', 'ship 2.4');
    await outboxSettled(t);
    const ts = (await t.rows('select announcement_ts from releases'))[0]!.announcement_ts;
    const thread = t.slack.deliveredOf('chat.postMessage').filter((c) => c.args.thread_ts === ts);
    const first = thread.findIndex((c) => String(c.args.text).startsWith('Release notes of 2.4'));
    // The summary, one message per ticket type, the late changes and the sign-offs, in that order.
    const notesTitles = thread
      .slice(first)
      .map((c) => String(c.args.text))
      .filter((text) => !text.startsWith(':'));
    expect(notesTitles).toEqual([
      'Release notes of 2.4',
      'Bugs (2)',
      'Stories (1)',
      'Tasks (1)',
      'Other (1)',
      'Late changes (1 since the freeze)',
      'Sign-offs',
    ]);
    expect(JSON.stringify(thread[first + 1]!.args.blocks)).toContain('Login fails 2');
    expect(t.slack.files.map((f) => [f.threadTs, f.filename])).toEqual([[ts, 'release-2.4-notes.md']]);
    // Off by default: the Jira description stays as it was.
    expect(jira.version('BLOG', '2.4')!.description).toBeUndefined();
  });

  it('posts each part of the notes once across a restart in the middle of them', async () => {
    ({ jira, t } = await botWithScope());
    await signedOffWithLateChange(t);
    // Slack takes the first parts, then keeps failing the Tasks part until the bot has stopped.
    const slack = t.slack;
    slack.failWhen('chat.postMessage', (args) => String(args.text) === 'Tasks (1)', 'internal_error', 1000);
    await t.command('/release', 'ship 2.4');
    await slack.waitFor(() =>
      slack.callsOf('chat.postMessage').some((c) => String(c.args.text) === 'Tasks (1)'),
    );
    const database = t.database;
    await t.bot.stop();
    expect(
      await database.rows("select state, steps_done > 3 started from outbox where kind = 'release_shipped'"),
    ).toEqual([{ state: 'pending', started: 1 }]);
    slack.heal();
    // A new process on the same database and the same Slack delivers the rest from where it stopped.
    const again = await startTestBot(
      { ...gateAndJiraEnv(jira), SIGNOFF_ROLES: `qa=${QA}` },
      { slack, database },
    );
    try {
      await outboxSettled(again, 20_000);
      const ts = (await database.rows('select announcement_ts from releases'))[0]!.announcement_ts;
      const titles = slack
        .deliveredOf('chat.postMessage')
        .filter((c) => c.args.thread_ts === ts)
        .map((c) => String(c.args.text))
        .filter((text) => !text.startsWith(':'));
      expect(titles).toEqual([
        'Release notes of 2.4',
        'Bugs (2)',
        'Stories (1)',
        'Tasks (1)',
        'Other (1)',
        'Late changes (1 since the freeze)',
        'Sign-offs',
      ]);
      expect(slack.files).toHaveLength(1);
    } finally {
      await again.stop();
    }
  });

  it('sends the announcement without the Jira scope when Slack refuses the whole as too long', async () => {
    ({ jira, t } = await botWithScope());
    t.slack.failWhen(
      'chat.postMessage',
      (args) => String(args.text).startsWith('2.4 is frozen'),
      'msg_blocks_too_long',
    );
    await t.command('/release', 'create 2.4');
    await t.command('/release', 'freeze 2.4');
    await outboxSettled(t);
    const announcements = t.slack
      .callsOf('chat.postMessage')
      .filter((c) => String(c.args.text).startsWith('2.4 is frozen'));
    expect(announcements).toHaveLength(2);
    expect(JSON.stringify(announcements[0]!.args.blocks)).toContain('*Scope:*');
    expect(JSON.stringify(announcements[1]!.args.blocks)).not.toContain('*Scope:*');
    // Still the whole announcement people act on: who froze it, the tally and the buttons.
    expect(JSON.stringify(announcements[1]!.args.blocks)).toContain('froze *2.4*');
    expect(JSON.stringify(announcements[1]!.args.blocks)).toContain('signoff_approve');
    expect(await t.rows('select announcement_ts is not null posted from releases')).toEqual([{ posted: 1 }]);
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(metrics).toContain(
      'release_bot_slack_refused_total{reason="msg_blocks_too_long",recovered="true"} 1',
    );
  });

  it('still posts every part of the notes when the workspace did not grant files:write', async () => {
    ({ jira, t } = await botWithScope());
    await signedOffWithLateChange(t);
    t.slack.failWhen('files.getUploadURLExternal', () => true, 'missing_scope');
    await t.command('/release', 'ship 2.4');
    await outboxSettled(t);
    expect(t.slack.files).toEqual([]);
    expect(await t.rows("select state from outbox where kind = 'release_shipped'")).toEqual([
      { state: 'delivered' },
    ]);
    const titles = t.slack.deliveredOf('chat.postMessage').map((c) => String(c.args.text));
    expect(titles).toContain('Sign-offs');
  });

  it('JIRA_RELEASE_NOTES=description writes the short form into the Jira version at ship', async () => {
    ({ jira, t } = await botWithScope({ JIRA_RELEASE_NOTES: 'description' }));
    await signedOffWithLateChange(t);
    await t.command('/release', 'ship 2.4');
    await t.slack.waitFor(
      async () => (await t.rows('select jira_sync from releases'))[0]?.jira_sync === 'done',
    );
    const version = jira.version('BLOG', '2.4')!;
    expect(version.released).toBe(true);
    expect(version.description).toContain('Bugs: BLOG-1 Login fails 1; BLOG-2 Login fails 2');
    expect(version.description).toContain('Late changes: 1. Full notes: https://acme.slack.com/archives/');
  });

  it('a Jira failure on the description step is reported like the other write-back failures', async () => {
    ({ jira, t } = await botWithScope({ JIRA_RELEASE_NOTES: 'description' }));
    await signedOffWithLateChange(t);
    jira.fail('PUT', '/rest/api/3/version/', 400, { times: 1 });
    await t.command('/release', 'ship 2.4');
    const warning = await t.slack.waitFor(() =>
      t.slack
        .deliveredOf('chat.postMessage')
        .find((c) => String(c.args.text).includes('Jira was not fully updated')),
    );
    expect(String(warning.args.text)).toContain('/release jira-sync 2.4');
    expect(await t.rows('select jira_sync from releases')).toEqual([{ jira_sync: 'failed' }]);
    expect(replyText(await t.command('/release', 'jira-sync 2.4'))).toContain('are marked released');
    expect(jira.version('BLOG', '2.4')!.description).toContain('Stories: BLOG-3 Tags on posts');
  });
});

describe('exports over HTTP', () => {
  let t: TestBot;
  let jira: JiraStandIn;
  afterEach(async () => {
    await t.stop();
    await jira.stop();
  });

  const get = (path: string, token: string | null = GATE_TOKEN) =>
    fetch(`${t.baseUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('serve the notes as Markdown and every audit row as CSV, quoted and formula-safe, behind the token', async () => {
    ({ jira, t } = await botWithScope());
    await signedOffWithLateChange(t);

    const md = await get('/api/v1/releases/2.4/notes.md');
    expect(md.status).toBe(200);
    expect(md.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    const markdown = await md.text();
    expect(markdown).toContain('# Release 2.4');
    expect(markdown).toContain(`## Bugs\n\n- [BLOG-1](${jira.url}/browse/BLOG-1) Login fails 1`);
    expect(markdown).toContain('## Late changes\n\n- blog-service: BLOG-1 at abcdef012345');
    expect(markdown).toContain(`- ${QA} (qa) approved, revision 2`);

    const csv = await get('/api/v1/releases/2.4/audit.csv');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (await csv.text()).split('\r\n');
    expect(lines[0]).toBe('id,at,actor,action,from_state,to_state,detail,command');
    const audit = (await t.rows('select count(*) n from audit_events'))[0]!.n as number;
    expect(lines.filter(Boolean)).toHaveLength(audit + 1);
    const frozen = lines.find((l) => l.includes(',release_frozen,'))!;
    expect(frozen).toContain(
      `,${MANAGER},release_frozen,planned,frozen,"'=SUM(A1) ""quoted"", with a comma",`,
    );

    expect((await get('/api/v1/releases/2.4/audit.csv', null)).status).toBe(401);
    expect((await get('/api/v1/releases/2.4/notes.md', 'wrong')).status).toBe(401);
    const missing = await get('/api/v1/releases/9.9/notes.md');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { reason: string }).reason).toContain('There is no release 9.9');
    expect((await get('/api/v1/releases/2.4/other.txt')).status).toBe(404);
    expect((await get('/api/v1/releases/%3Cscript%3E/notes.md')).status).toBe(400);
    // Not percent-encoding at all: a reason, not a 500.
    const malformed = await get('/api/v1/releases/%E0%A4%A/notes.md');
    expect({ status: malformed.status, body: await malformed.json() }).toEqual({
      status: 400,
      body: { error: 'bad_request', reason: 'the version in the path is not valid percent-encoding' },
    });
  });
});
