import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActionIds } from '../../src/slack/ids.js';
import { MANAGER, replyText, startTestBot, type TestBot } from '../support/bot-harness.js';
import { JIRA_EMAIL, JIRA_TOKEN, JiraStandIn } from '../../src/playground/jira-stand-in.js';

describe('the freeze gate for CI/CD', () => {
  let jira: JiraStandIn;
  let t: TestBot;
  const gate = async (body: unknown, token = 'gate-token-new') => {
    const res = await fetch(`${t.baseUrl}/api/v1/gate/check`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const change = (issues: string[], environment = 'preprod') => ({
    service: 'blog-service',
    environment,
    issues,
    commit: 'abc123def',
    pipeline_url: 'https://ci.example.com/pipelines/42',
  });
  const start = async (extra: Record<string, string> = {}) => {
    t = await startTestBot({
      JIRA_BASE_URL: jira.url,
      JIRA_EMAIL,
      JIRA_API_TOKEN: JIRA_TOKEN,
      JIRA_PROJECTS: 'BLOG',
      GATE_API_TOKEN: 'gate-token-old,gate-token-new',
      SIGNOFF_ROLES: 'qa=UQA00001',
      ...extra,
    });
  };
  const freeze = async () => {
    await t.command('/release', 'create 2.4');
    await t.command('/release', 'freeze 2.4');
  };

  beforeEach(async () => {
    jira = await new JiraStandIn().start();
    jira.addProject('BLOG', '2.4', '2.5');
    jira.addIssues('BLOG', 1, () => ({ type: 'Bug', fixVersions: ['2.4'] }));
    jira.addIssues('BLOG', 1, () => ({ type: 'Story', fixVersions: ['2.4'] }));
    jira.addIssues('BLOG', 1, () => ({ type: 'Bug', fixVersions: ['2.5'] }));
  });
  afterEach(async () => {
    await t?.stop();
    await jira.stop();
  });

  it('answers tickets of the frozen scope from the cache warmed at freeze, without waiting for Jira', async () => {
    await start();
    await freeze();
    // The warm read is one search of the release's tickets (with their fix versions), made by itself.
    const warmth = t.bot.services.gateWarmth!;
    await t.slack.waitFor(() => warmth.stats.tickets > 0);
    expect(warmth.stats).toMatchObject({ failures: 0, tickets: 2 }); // BLOG-1 and BLOG-2 carry 2.4
    // Jira now fails every look-up: a ticket in scope is still decided at once, from the warm cache.
    jira.fail('POST', '/rest/api/3/issue/bulkfetch', 503, { times: 100 });
    jira.fail('GET', '/rest/api/3/issue/', 503, { times: 100 });
    const before = jira.issueLookupRequests();
    const inScope = await gate(change(['BLOG-1']));
    expect(inScope.body).toMatchObject({
      allowed: true,
      checked_issues: [{ key: 'BLOG-1', verdict: 'fix_for_release' }],
    });
    expect(jira.issueLookupRequests()).toBe(before);
    // A ticket outside the scope still asks Jira, and fails closed.
    const unknown = await gate({ ...change(['BLOG-99']), commit: 'fedcba987' });
    expect(unknown.body).toMatchObject({
      allowed: false,
      reason: 'could not verify BLOG-99: Jira unavailable',
    });
    expect(jira.issueLookupRequests()).toBeGreaterThan(before);
  });

  it('allows everything when no release is frozen', async () => {
    await start();
    expect(await gate(change([]))).toEqual({
      status: 200,
      body: {
        allowed: true,
        reason: 'no release is frozen',
        release: null,
        revision: null,
        repeated: false,
        checked_issues: [],
      },
    });
  });

  it('lets a bug fixed in the frozen release through and bumps the candidate revision', async () => {
    await start();
    await freeze();
    const releaseId = (await t.rows('select id from releases'))[0]!.id as number;
    await t.click(ActionIds.approve, `${releaseId}:1`, 'UQA00001');
    await t.slack.waitFor(
      async () => (await t.rows('select state from releases'))[0]?.state === 'signed_off',
    );

    const answer = await gate(change(['BLOG-1']));
    expect(answer).toEqual({
      status: 200,
      body: {
        allowed: true,
        reason: 'every issue is a fix for 2.4 or has an approved exception',
        release: '2.4',
        revision: 2,
        repeated: false,
        checked_issues: [{ key: 'BLOG-1', type: 'Bug', fixVersions: ['2.4'], verdict: 'fix_for_release' }],
      },
    });
    expect(await t.rows('select state, revision from releases')).toEqual([{ state: 'frozen', revision: 2 }]);
    const notice = await t.slack.waitFor(() =>
      t.slack.callsOf('chat.postMessage').find((c) => String(c.args.text).includes('moved to revision 2')),
    );
    expect(String(notice.args.text)).toContain('blog-service took BLOG-1 (abc123def) through the gate');
    expect(String(notice.args.text)).toContain('<@UQA00001>: your sign-off is now stale');
    const log = replyText(await t.command('/release', 'log 2.4'));
    expect(log).toContain('*gate_allowed*');
    expect(log).toContain(
      'blog-service preprod [BLOG-1] abc123def <https://ci.example.com/pipelines/42|pipeline #42>: every issue is a fix for 2.4',
    );
  });

  it.each([
    [['BLOG-2'], '2.4 is frozen: BLOG-2 is a Story, not a Bug', 'not_a_fix'],
    [['BLOG-3'], '2.4 is frozen: BLOG-3 is not fixed in 2.4 (fixVersions: 2.5)', 'other_release'],
    [['BLOG-1', 'BLOG-99'], '2.4 is frozen: BLOG-99 does not exist in Jira', 'not_found'],
  ])('refuses %j during a freeze', async (issues, reason, verdict) => {
    await start();
    await freeze();
    const answer = await gate(change(issues));
    expect(answer.body.allowed).toBe(false);
    expect(answer.body.reason).toBe(reason);
    expect((answer.body.checked_issues as { verdict: string }[]).map((c) => c.verdict)).toContain(verdict);
    expect(await t.rows('select revision from releases')).toEqual([{ revision: 1 }]);
    expect(await t.rows('select service, allowed, reason from gate_checks')).toEqual([
      { service: 'blog-service', allowed: 0, reason },
    ]);
  });

  it('refuses a change naming no issue during a freeze, and allows ungated environments', async () => {
    await start();
    await freeze();
    expect((await gate(change([]))).body).toMatchObject({
      allowed: false,
      reason: '2.4 is frozen: a change must name the bug fix(es) for 2.4 it carries',
    });
    expect((await gate(change(['BLOG-2'], 'staging'))).body).toMatchObject({
      allowed: true,
      reason: 'environment staging is not gated',
    });
  });

  it('honours an exception approved by a release manager, not one a developer approves', async () => {
    await start();
    await freeze();
    const requested = replyText(
      await t.command(
        '/release',
        'exception 2.4 BLOG-2 blog-service the story fixes a login outage',
        'UDEV00001',
      ),
    );
    expect(requested).toContain('Exception #1 requested');
    const request = await t.slack.waitFor(() =>
      t.slack
        .callsOf('chat.postMessage')
        .find((c) => String(c.args.text).includes('Freeze exception requested')),
    );
    expect(JSON.stringify(request.args.blocks)).toContain(ActionIds.exceptionApprove);

    const byDev = await t.click(ActionIds.exceptionApprove, '1', 'UDEV00001');
    expect(replyText(await t.slack.waitForResponse(byDev.responseId))).toContain(
      'Only release managers may approve or deny freeze exceptions',
    );
    expect((await gate(change(['BLOG-2']))).body.allowed).toBe(false);

    await t.click(ActionIds.exceptionApprove, '1', MANAGER);
    await t.slack.waitFor(
      async () => (await t.rows('select state from freeze_exceptions'))[0]?.state === 'approved',
    );
    const dm = await t.slack.waitFor(() =>
      t.slack.callsOf('chat.postMessage').find((c) => c.args.channel === 'UDEV00001'),
    );
    expect(String(dm.args.text)).toContain('was approved by <@UMANAGER1>');
    const updated = await t.slack.waitFor(() =>
      t.slack
        .callsOf('chat.update')
        .find((c) => c.args.ts === request.args.ts || JSON.stringify(c.args.blocks).includes('approved by')),
    );
    expect(JSON.stringify(updated.args.blocks)).not.toContain(ActionIds.exceptionApprove);

    const answer = await gate(change(['BLOG-2']));
    expect(answer.body).toMatchObject({
      allowed: true,
      checked_issues: [{ key: 'BLOG-2', verdict: 'exception' }],
    });
    expect((await gate({ ...change(['BLOG-2']), service: 'tag-service' })).body.allowed).toBe(false);

    const again = await t.click(ActionIds.exceptionDeny, '1', MANAGER);
    expect(replyText(await t.slack.waitForResponse(again.responseId))).toContain(
      'Exception #1 was already approved',
    );
    expect(replyText(await t.command('/release', 'exceptions 2.4', 'UREADER1'))).toContain(
      '#1 :white_check_mark: approved · *BLOG-2* → *blog-service*',
    );
  });

  it('a denied exception stays refused and the requester hears it', async () => {
    await start();
    await freeze();
    await t.command('/release', 'exception 2.4 BLOG-2 blog-service please', 'UDEV00001');
    await t.click(ActionIds.exceptionDeny, '1', MANAGER);
    const dm = await t.slack.waitFor(() =>
      t.slack.callsOf('chat.postMessage').find((c) => c.args.channel === 'UDEV00001'),
    );
    expect(String(dm.args.text)).toContain('was denied');
    expect((await gate(change(['BLOG-2']))).body.allowed).toBe(false);
  });

  it('fails closed when Jira is down, and open with GATE_FAIL_OPEN=true', async () => {
    // Down for the whole test: the warm-up at freeze and its retries must not use the outage up.
    jira.fail('POST', '/rest/api/3/issue/bulkfetch', 500, { times: 1_000 });
    await start();
    await freeze();
    expect((await gate(change(['BLOG-1']))).body).toMatchObject({
      allowed: false,
      reason: 'could not verify BLOG-1: Jira unavailable',
    });
    await t.stop();
    t = undefined as unknown as TestBot;
    await start({ GATE_FAIL_OPEN: 'true' });
    await freeze();
    expect((await gate(change(['BLOG-1']))).body).toMatchObject({
      allowed: true,
      reason: 'could not verify BLOG-1: Jira unavailable (allowed: GATE_FAIL_OPEN=true)',
    });
  });

  it('gathers misses that arrive while Jira answers into bulk requests, and answers each pipeline alike', async () => {
    // Outside the frozen scope: the warm-up at freeze never reads them, so every check finds its key cold.
    jira.addIssues('BLOG', 150, () => ({ type: 'Story', fixVersions: ['2.5'] }));
    await start();
    await freeze();
    // A Jira that takes 100 ms to answer: misses arriving meanwhile wait and go together.
    jira.delayMs = 100;
    const before = jira.issueLookupRequests();
    const keys = Array.from({ length: 150 }, (_, i) => `BLOG-${i + 4}`);
    const answers = await Promise.all(keys.map((key) => gate({ ...change([key]), commit: `c-${key}` })));
    expect(answers.every((a) => a.status === 200 && a.body.allowed === false)).toBe(true);
    expect(answers[0]!.body.reason).toContain('BLOG-4 is a Story');
    const requests = jira.issueLookupRequests() - before;
    expect(requests).toBeGreaterThanOrEqual(2);
    expect(requests).toBeLessThanOrEqual(10);
    // Cached now: asking again costs nothing.
    await gate({ ...change(['BLOG-4']), commit: 'again' });
    expect(jira.issueLookupRequests() - before).toBe(requests);
  });

  it('falls back to one GET per issue where Jira has no bulkfetch (404), and stops trying it', async () => {
    jira.bulkFetch = false;
    await start();
    await freeze();
    expect((await gate(change(['BLOG-1']))).body.allowed).toBe(true);
    expect((await gate(change(['BLOG-2']))).body.allowed).toBe(false);
    expect((await gate(change(['NOPE-9']))).body.reason).toContain('NOPE-9');
    expect(jira.requestsTo('POST', '/rest/api/3/issue/bulkfetch')).toBe(1);
    expect(jira.requestsTo('GET', '/rest/api/3/issue/')).toBe(3);
  });

  it('fails closed quickly when Jira is too slow', async () => {
    await start({ JIRA_TIMEOUT: '1s' });
    await freeze();
    jira.delayMs = 3000;
    const started = Date.now();
    expect((await gate(change(['BLOG-1']))).body).toMatchObject({
      allowed: false,
      reason: 'could not verify BLOG-1: Jira unavailable',
    });
    expect(Date.now() - started).toBeLessThan(2900);
  });

  it('answers 401, 400 and 404 without leaking internals, and accepts either rotated token', async () => {
    await start();
    expect(await gate(change([]), 'wrong')).toEqual({
      status: 401,
      body: { error: 'unauthorized', reason: 'send Authorization: Bearer <GATE_API_TOKEN>' },
    });
    expect((await gate(change([]), 'gate-token-old')).status).toBe(200);
    expect(await gate('{not json')).toEqual({
      status: 400,
      body: { error: 'invalid_body', reason: 'the body must be JSON' },
    });
    const bad = await gate({
      service: 'Blog Service',
      environment: 'preprod',
      issues: ['blog 1'],
      extra: true,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.fields).toEqual({
      service: 'must be a service name: lowercase letters, digits and -',
      'issues.0': 'must be a Jira issue key like BLOG-123',
      '(body)': 'Unrecognized key: "extra"',
    });
    // A pipeline URL that would close a Slack link early and ping the channel.
    const injected = await gate({
      ...change([]),
      pipeline_url: 'https://ci.example.com/x|fixed by security> <!channel',
    });
    expect(injected).toEqual({
      status: 400,
      body: expect.objectContaining({
        fields: { pipeline_url: 'must be a URL without spaces, <, >, |, quotes or backticks' },
      }) as unknown,
    });
    const missing = await fetch(`${t.baseUrl}/api/v1/gate/nope`, { method: 'POST' });
    expect(missing.status).toBe(404);
    expect(await t.rows('select count(*) n from gate_checks')).toEqual([{ n: 1 }]);
  });
});
