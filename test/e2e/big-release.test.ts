import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANAGER, replyText, startTestBot, type TestBot } from '../support/bot-harness.js';
import { GATE_TOKEN, gateAndJiraEnv, outboxSettled } from '../support/gate-client.js';
import { JiraStandIn } from '../../src/playground/jira-stand-in.js';
import { brokenMarkup, mrkdwnTexts } from '../support/slack-limits.js';
import { RELEASE_CHANNEL } from '../support/slack-payloads.js';

/**
 * A big but ordinary release, against a Slack stand-in that enforces Slack's limits: 2,000 tickets (150
 * open, long summaries with entities and emoji), 12 sign-off roles, 40 changes let in by the gate, 20
 * refused ones with 1,500-character pipeline URLs, 25 other open releases and 500 audit entries.
 */
const ROLES = [
  'qa',
  'product',
  'sre',
  'security',
  'support',
  'ux',
  'legal',
  'data',
  'mobile',
  'web',
  'api',
  'docs',
];
const member = (role: string, i: number) => `U${role.toUpperCase().padEnd(6, 'X').slice(0, 6)}${i}`;
const TYPES = ['Bug', 'Story', 'Task', 'Epic'] as const;
const LONG_URL = `https://gitlab.example.com/acme/blog/-/pipelines/987654?${'ref=main&'.repeat(165)}`;

function summary(i: number): string {
  return `${'Checkout & payment <flow> rework 👩‍💻 for tenants &amp; partners, '.repeat(3)}#${i}`;
}

async function gate(t: TestBot, issue: string, n: number, pipelineUrl?: string) {
  const res = await fetch(`${t.baseUrl}/api/v1/gate/check`, {
    method: 'POST',
    headers: { authorization: `Bearer ${GATE_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      service: `svc-${n % 7}`,
      environment: 'preprod',
      issues: [issue],
      commit: `c${String(n).padStart(11, '0')}`,
      ...(pipelineUrl ? { pipeline_url: pipelineUrl } : {}),
    }),
  });
  return (await res.json()) as { allowed: boolean };
}

/** Every mrkdwn text the stand-in carried (messages, replies, views), for the markup check. */
function everythingShown(t: TestBot): string[] {
  return [
    ...t.slack.delivered.flatMap((c) => mrkdwnTexts(c.args.blocks ?? c.args.view)),
    ...t.slack.responses.flatMap((r) => mrkdwnTexts(r.body.blocks)),
  ];
}

describe('a big release stays readable', () => {
  let t: TestBot;
  let jira: JiraStandIn;
  let releaseId: number;

  beforeAll(async () => {
    jira = await new JiraStandIn().start();
    jira.addProject('BLOG', '2.4');
    jira.addIssues('BLOG', 2000, (i) => ({
      type: TYPES[i % 4],
      fixVersions: ['2.4'],
      summary: summary(i),
      ...(i % 13 === 0 ? { status: 'In Progress', category: 'indeterminate' } : {}),
    }));
    const roles = ROLES.map((r) => `${r}=${member(r, 1)},${member(r, 2)}:1`).join(';');
    t = await startTestBot({ ...gateAndJiraEnv(jira), SIGNOFF_ROLES: roles, SLACK_TIMEOUT: '5s' });
    // 2.4 first, so that newest-first ordering would bury it behind the 25 planned ones.
    await t.command('/release', 'create 2.4 ship=2027-03-01');
    for (let i = 0; i < 25; i++) {
      // Created in the reverse of their dates: the Home tab must order by date, not by creation.
      const day = String(28 - i).padStart(2, '0');
      await t.command('/release', `create 3.${i} freeze=2027-01-${day} ship=2027-02-${day}`);
    }
    await t.command('/release', 'freeze 2.4');
    releaseId = (await t.rows("select id from releases where version = '2.4'"))[0]!.id as number;
    for (let n = 0; n < 40; n++)
      expect((await gate(t, `BLOG-${4 * n + 4}`, n, `https://ci.example.com/pipelines/${n}`)).allowed).toBe(
        true,
      );
    for (let n = 0; n < 20; n++)
      expect((await gate(t, `BLOG-${4 * n + 1}`, 100 + n, LONG_URL)).allowed).toBe(false);
    // The rest of 500 audit entries, as an operator's import would leave them.
    const existing = (await t.rows('select count(*) n from audit_events where release_id = ?', releaseId))[0]!
      .n as number;
    for (let i = existing; i < 500; i++)
      await t.database.run(
        'insert into audit_events (release_id, actor, action, detail, at) values (?, ?, ?, ?, ?)',
        releaseId,
        'gate',
        'gate_refused',
        `svc ${LONG_URL}: refused`,
        new Date(Date.now() - i),
      );
    const revision = (await t.rows('select revision from releases where id = ?', releaseId))[0]!.revision;
    for (const role of ROLES.slice(0, 9))
      await t.click('signoff_approve', `${releaseId}:${String(revision)}`, member(role, 1));
    await outboxSettled(t, 60_000);
  }, 180_000);

  afterAll(async () => {
    await t?.stop();
    await jira?.stop();
  });

  it('shows every role and the rejection in the announcement and in status, within Slack’s limits', async () => {
    const revision = (await t.rows('select revision from releases where id = ?', releaseId))[0]!.revision;
    const rejecter = member('ux', 2);
    const reason = 'Checkout <fails> on Safari & 👩‍💻 cannot pay';
    const opened = await t.click('signoff_reject', `${releaseId}:${String(revision)}`, rejecter);
    expect(opened.status).toBe(200);
    const view = (await t.slack.waitFor(() => t.slack.deliveredOf('views.open').at(-1))).args.view as {
      callback_id: string;
      private_metadata: string;
    };
    await t.submitView(view.callback_id, rejecter, view.private_metadata, {
      reject_reason: { reject_reason_input: { type: 'plain_text_input', value: reason } },
    });
    await t.slack.waitFor(
      async () => (await t.rows("select 1 from votes where decision = 'reject'")).length === 1,
    );
    await outboxSettled(t, 30_000);

    const announcement = t.slack.deliveredOf('chat.update').at(-1)!;
    const status = replyText(await t.command('/release', 'status 2.4', 'UREADER1'));
    for (const text of [mrkdwnTexts(announcement.args.blocks).join('\n'), status]) {
      for (const role of ROLES) expect(text).toContain(`*${role}*`);
      expect(text).toContain(
        `<@${rejecter}> rejected: _Checkout &lt;fails&gt; on Safari &amp; 👩‍💻 cannot pay_`,
      );
      expect(text).toContain('*sre* 1/1');
      expect(text).toContain('*docs* 0/1');
    }
    // The line that says who froze it survives every update of the announcement.
    expect(mrkdwnTexts(announcement.args.blocks).join('\n')).toMatch(
      new RegExp(`^<@${MANAGER}> froze \\*2\\.4\\* <!date\\^`, 'm'),
    );
    expect(status).toContain('*Late changes* (40 since the freeze)');
    expect(status).toContain('<https://ci.example.com/pipelines/39|pipeline #39>');
    expect(status).toContain('_and 35 earlier: `/release notes 2.4`_');
  });

  it('ends /release calendar and /release log with how many more and the command that shows them', async () => {
    const calendar = replyText(await t.command('/release', 'calendar', 'UREADER1'));
    expect(
      calendar.split('\n').filter((l) => l.startsWith(':snowflake:') || l.startsWith(':rocket:')),
    ).toHaveLength(25);
    expect(calendar.trimEnd().endsWith('and 26 more: `/release calendar page=2`')).toBe(true);
    const second = replyText(await t.command('/release', 'calendar page=3', 'UREADER1'));
    expect(second).toContain('page 3 of 3');
    expect(second).not.toContain('more:');

    const log = replyText(await t.command('/release', 'log 2.4', 'UREADER1'));
    const total = (await t.rows('select count(*) n from audit_events where release_id = ?', releaseId))[0]!
      .n as number;
    expect(log.trimEnd()).toMatch(
      new RegExp(
        `and ${total - 20} more: \`/release log 2\\.4 before=\\d+\`, or all of them in \`audit\\.csv\`$`,
      ),
    );
    expect(log).toContain('<https://gitlab.example.com/acme/blog/-/pipelines/987654|pipeline #987654>');
    expect(log).not.toContain('ref=main');
  });

  it('puts the release waiting for the reader’s vote first on Home, then the planned ones by date', async () => {
    const reader = member('docs', 1);
    const before = t.slack.deliveredOf('views.publish').length;
    await t.openHome(reader);
    const publish = await t.slack.waitFor(() =>
      t.slack
        .deliveredOf('views.publish')
        .slice(before)
        .find((c) => c.args.user_id === reader),
    );
    const texts = mrkdwnTexts((publish.args.view as { blocks: unknown[] }).blocks).join('\n');
    const order = [...texts.matchAll(/\*(2\.4|3\.\d+)\* · /g)].map((m) => m[1]);
    expect(order).toEqual(['2.4', '3.24', '3.23', '3.22', '3.21', '3.20', '3.19', '3.18']);
    expect(texts).toContain('_waits for your vote_');
  });

  it('publishes a smaller Home when Slack refuses the whole one, and counts the refusal', async () => {
    const reader = member('docs', 2);
    t.slack.failWhen('views.publish', (args) => args.user_id === reader, 'view_too_large');
    await t.openHome(reader);
    const publish = await t.slack.waitFor(() =>
      t.slack.deliveredOf('views.publish').find((c) => c.args.user_id === reader),
    );
    const texts = mrkdwnTexts((publish.args.view as { blocks: unknown[] }).blocks).join('\n');
    expect(texts).toContain('*2.4*');
    expect(texts).toContain('Slack refused the whole tab as too large');
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(metrics).toContain('release_bot_slack_refused_total{reason="view_too_large",recovered="true"} 1');
  });

  it('posts the notes at ship in full, in order and once each, even when Slack refuses a part as too long', async () => {
    // Votes are complete only without the rejection: the rejecter withdraws, the last roles approve.
    const revision = (await t.rows('select revision from releases where id = ?', releaseId))[0]!.revision;
    await t.click('signoff_withdraw', `${releaseId}:${String(revision)}`, member('ux', 2));
    for (const role of ROLES.slice(9))
      await t.click('signoff_approve', `${releaseId}:${String(revision)}`, member(role, 1));
    await t.slack.waitFor(
      async () =>
        (await t.rows('select state from releases where id = ?', releaseId))[0]!.state === 'signed_off',
    );
    await outboxSettled(t, 30_000);
    t.slack.failWhen(
      'chat.postMessage',
      (args) => String(args.text).startsWith('Bugs (500), 1 of'),
      'msg_blocks_too_long',
    );

    const notesReply = replyText(await t.command('/release', 'notes 2.4', 'UREADER1'));
    expect(notesReply).toContain('*2000 tickets*: 500 bugs, 500 stories, 500 tasks, 500 other');
    expect(notesReply).toContain('All of it is posted in the release thread at ship');

    await t.command('/release', 'ship 2.4');
    await outboxSettled(t, 60_000);
    const ts = (await t.rows('select announcement_ts from releases where id = ?', releaseId))[0]!
      .announcement_ts;
    const thread = t.slack.deliveredOf('chat.postMessage').filter((c) => c.args.thread_ts === ts);
    const start = thread.findIndex((c) => String(c.args.text) === 'Release notes of 2.4');
    const notes = thread.slice(start);
    const keys = notes.flatMap((c) =>
      [...String(JSON.stringify(c.args.blocks)).matchAll(/\|(BLOG-\d+)>/g)].map((m) => m[1]!),
    );
    expect(keys).toHaveLength(2000);
    expect(new Set(keys).size).toBe(2000);
    const titles = notes.map((c) => String(c.args.text).replace(/,.*$/, ''));
    const firstOf = (title: string) => titles.indexOf(title);
    expect(firstOf('Bugs (500)')).toBeGreaterThan(0);
    expect(firstOf('Stories (500)')).toBeGreaterThan(titles.lastIndexOf('Bugs (500)'));
    expect(firstOf('Tasks (500)')).toBeGreaterThan(titles.lastIndexOf('Stories (500)'));
    expect(firstOf('Other (500)')).toBeGreaterThan(titles.lastIndexOf('Tasks (500)'));
    expect(firstOf('Late changes (40 since the freeze)')).toBeGreaterThan(titles.lastIndexOf('Other (500)'));
    expect(firstOf('Sign-offs')).toBeGreaterThan(firstOf('Late changes (40 since the freeze)'));
    expect(titles.filter((title) => title === 'Release notes of 2.4')).toHaveLength(1);
    const refusedPart = t.slack
      .callsOf('chat.postMessage')
      .filter((c) => String(c.args.text).startsWith('Bugs (500), 1 of'));
    expect(refusedPart.length).toBeGreaterThanOrEqual(2);
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(metrics).toContain(
      'release_bot_slack_refused_total{reason="msg_blocks_too_long",recovered="true"} 1',
    );
    // And the whole notes as one Markdown file in the thread (files:write is granted here).
    expect(t.slack.files.map((f) => [f.channel, f.threadTs, f.filename])).toEqual([
      [RELEASE_CHANNEL, ts, 'release-2.4-notes.md'],
    ]);
    const file = t.slack.files[0]!.content;
    expect(file.slice(0, 14)).toBe('# Release 2.4\n');
    expect(new Set(file.match(/\[BLOG-\d+\]/g)).size).toBe(2000);
    const parts = notes.slice(0, firstOf('Sign-offs') + 1);
    const blockText = parts.reduce((n, c) => n + mrkdwnTexts(c.args.blocks).join('').length, 0);
    process.stdout.write(
      `notes of a 2,000-ticket release: ${parts.length} messages, ${blockText} characters of block text\n`,
    );
  });

  it('carried every message, reply and view within Slack’s limits, with no broken markup', () => {
    expect(t.slack.refusals).toEqual([]);
    const broken = everythingShown(t)
      .map((text) => ({ problem: brokenMarkup(text), text: text.slice(0, 120) }))
      .filter((b) => b.problem);
    expect(broken).toEqual([]);
  });
});
