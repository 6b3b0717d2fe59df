import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlayground, type RunningPlayground } from '../../src/playground/start.js';
import { queryRows } from '../support/db.js';
import { artifactDir, launchChromium, seriousAxeViolations } from '../support/browser.js';

const MANAGER = 'UMAYA0001';
const QA = 'UQUINN001';
const PRODUCT = 'UPRIYA001';
const DEVELOPER = 'UDANA0001';
const OTHER_DEVELOPER = 'UDEVON001';

describe('the playground in a real browser', () => {
  let dir: string;
  let playground: RunningPlayground;
  let browser: Browser;
  let page: Page;
  let step = 0;
  // A fresh folder: `npm run screenshots` takes each step's picture from it by name.
  rmSync(join(process.cwd(), 'test-artifacts', 'playground'), { recursive: true, force: true });
  const shots = artifactDir('playground');
  const shot = async (name: string) => {
    step += 1;
    await page.screenshot({
      path: join(shots, `${String(step).padStart(2, '0')}-${name}.png`),
      fullPage: true,
    });
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'release-bot-playground-'));
    playground = await startPlayground({
      PATH: process.env.PATH,
      DATABASE_PATH: join(dir, 'bot.sqlite'),
      PORT: '0',
      LOG_LEVEL: 'silent',
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 860 }, timezoneId: 'Europe/Berlin' });
    await page.goto(playground.url);
    await page.waitForSelector('body[data-ready="true"]');
    const paint = await page.evaluate(
      () =>
        (
          globalThis as unknown as { performance: { getEntriesByName(n: string): { startTime: number }[] } }
        ).performance.getEntriesByName('first-contentful-paint')[0]?.startTime,
    );
    console.log(`first contentful paint: ${Math.round(paint ?? -1)} ms`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await playground?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const actAs = async (user: string) => {
    await page.selectOption('#user', user);
    await page.waitForFunction(
      (u) =>
        (globalThis as unknown as { playground: { lastState?: { me: string } } }).playground.lastState?.me ===
        u,
      user,
    );
  };
  const run = async (command: string) => {
    await page.fill('#composer-input', command);
    await page.press('#composer-input', 'Enter');
  };
  const announcement = (version = '2.4'): Locator =>
    page.locator('#messages li', { hasText: `${version}: ` }).last();
  const state = (version = '2.4') =>
    queryRows(join(dir, 'bot.sqlite'), `select state from releases where version = '${version}'`)[0]?.state;
  const ticked = (step: string) => page.locator(`#tour-steps li.done[data-step="${step}"]`).waitFor();
  const openPanel = async (name: 'Tour' | 'Jira' | 'Pipeline') => {
    const toggle = page.locator(`#${name.toLowerCase()}-toggle`);
    if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  };
  const moveClock = async (label: string) => {
    const before = await page.locator('#clock-now').textContent();
    await page.getByRole('button', { name: label }).click();
    await expect.poll(() => page.locator('#clock-now').textContent()).not.toBe(before);
  };

  it('takes the tour end to end, each step ticked by the tour itself', async () => {
    // A first visit opens with the tour, nothing ticked.
    await expect(page.locator('#tour-panel').isVisible()).resolves.toBe(true);
    await expect.poll(() => page.locator('#tour-steps li').count()).toBe(8);
    await expect.poll(() => page.locator('#tour-steps li.done').count()).toBe(0);
    await expect(page.locator('#clock-now').textContent()).resolves.toContain('real time');

    // 1. The manager creates and freezes 2.4: the announcement, with the seeded Jira's scope.
    await actAs(MANAGER);
    await page.fill('#composer-input', '/rel');
    await expect.poll(() => page.textContent('#hint')).toContain('/release');
    await run('/release create 2.4');
    await page.locator('#messages li.ephemeral', { hasText: 'is planned' }).waitFor();
    await run('/release freeze 2.4 candidate build 118');
    await announcement().getByRole('button', { name: 'Approve' }).waitFor();
    await expect(announcement().getByRole('button', { name: 'Reject' }).count()).resolves.toBe(1);
    await announcement().filter({ hasText: '16 tickets' }).filter({ hasText: 'TAG-6' }).waitFor();
    await ticked('freeze');
    await shot('frozen');

    // 2. A developer's pipeline deploys a 2.5 story: refused. They ask for an exception, the manager
    // approves it in the channel, and the same change, sent again from the panel, is let in.
    await actAs(DEVELOPER);
    await openPanel('Pipeline');
    const panel = page.locator('#pipeline-panel');
    await panel.getByLabel('BLOG-10').check();
    await panel.getByRole('button', { name: 'Send the gate check' }).click();
    await panel.locator('.verdict.refused', { hasText: 'Refused' }).waitFor();
    await expect(panel.locator('.gate-answer').textContent()).resolves.toContain('"allowed": false');
    await shot('pipeline-refused');
    await panel.getByLabel('Why BLOG-10 must go into 2.4').fill('Readers asked for it');
    await panel.getByRole('button', { name: 'Ask for an exception' }).click();
    await panel.getByText('Asked: a release manager').waitFor();
    await actAs(MANAGER);
    const request = page.locator('#messages li', { hasText: 'Readers asked for it' }).last();
    await request.getByRole('button', { name: 'Approve' }).click();
    await page
      .locator('#messages li', { hasText: 'approved' })
      .filter({ hasText: 'BLOG-10' })
      .first()
      .waitFor();
    await actAs(DEVELOPER);
    await panel.getByRole('button', { name: 'Send the gate check' }).click();
    await panel.locator('.verdict.allowed', { hasText: 'Allowed' }).waitFor();
    await shot('pipeline-allowed');

    // 3. QA approves: the tally updates in place, without a reload.
    await openPanel('Tour');
    await ticked('blocked');
    await ticked('exception');
    await actAs(QA);
    await page.evaluate(() => ((globalThis as unknown as { marker: boolean }).marker = true));
    const clicked = Date.now();
    await announcement().getByRole('button', { name: 'Approve' }).click();
    await page.locator('#messages li', { hasText: 'qa 1/1' }).waitFor();
    console.log(`click to updated announcement: ${Date.now() - clicked} ms`);
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: boolean }).marker)).toBe(true);
    await ticked('approve');
    await shot('qa-approved');

    // 4. The product owner rejects: an empty reason is refused, a reason goes in the thread; then withdraws.
    await actAs(PRODUCT);
    await announcement().getByRole('button', { name: 'Reject' }).click();
    const modal = page.locator('dialog#modal');
    await modal.waitFor();
    await modal.getByRole('button', { name: 'Reject' }).click();
    await modal.locator('.field-error', { hasText: 'Give a reason' }).waitFor();
    await shot('reject-empty');
    await modal.getByLabel('Reason').fill('Checkout is broken on Safari');
    await modal.getByRole('button', { name: 'Reject' }).click();
    await modal.waitFor({ state: 'hidden' });
    await announcement().locator('button.replies').click();
    await page
      .locator('#thread-messages li:not(:first-child)', { hasText: 'Checkout is broken on Safari' })
      .waitFor();
    await ticked('reject');
    await shot('rejected-thread');
    await announcement().getByRole('button', { name: 'Withdraw my vote' }).click();
    await page.locator('#thread-messages li', { hasText: 'withdrew their vote' }).waitFor();

    // 5. The clock moves to the next scheduled action: the sign-off round DMs the product owner, whose vote
    // is missing, and the Approve button in that DM counts.
    await moveClock('to the next scheduled action');
    await ticked('reminder');
    await page.getByRole('button', { name: /^release-bot/ }).click();
    const reminder = page.locator('#messages li', { hasText: 'sign-off' }).filter({ hasText: '2.4' }).last();
    await reminder.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => state()).toBe('signed_off');
    await shot('reminder-dm');
    await page.getByRole('button', { name: '#releases' }).click();

    // 6. The manager ships through the confirm dialog; the Jira panel shows what the bot wrote back.
    await actAs(MANAGER);
    await announcement().getByRole('button', { name: 'Ship' }).click();
    await page.locator('dialog#confirm').getByRole('button', { name: 'Ship it' }).click();
    await expect.poll(() => state()).toBe('released');
    await announcement().filter({ hasText: 'released' }).waitFor();
    await shot('shipped');
    await openPanel('Jira');
    const version = page.locator('#jira-body section[data-version="2.4"]');
    await expect.poll(() => version.locator('.released').count()).toBe(2);
    await expect(version.locator('.tickets li').count()).resolves.toBe(16);
    await expect(version.locator('details summary').count()).resolves.toBe(2);
    expect(await page.locator('#close-jira').evaluate((el) => el === el.ownerDocument.activeElement)).toBe(
      true,
    );
    await shot('jira-panel');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#jira-panel').isHidden()).toBe(true);

    // 7. A developer's dry run shows the objects; another developer does not see that ephemeral reply.
    await actAs(DEVELOPER);
    await run('/devenv blog-service tag-service dry-run');
    const dryRun = page.locator('#messages li.ephemeral', { hasText: 'VirtualService' });
    await dryRun.waitFor();
    await expect(dryRun.locator('.only-you').count()).resolves.toBe(1);
    await shot('devenv-dry-run');
    await actAs(OTHER_DEVELOPER);
    await expect.poll(() => page.locator('#messages li', { hasText: 'VirtualService' }).count()).toBe(0);

    // Every step is ticked.
    await openPanel('Tour');
    await expect.poll(() => page.locator('#tour-steps li.todo').allTextContents()).toEqual([]);
    await expect.poll(() => page.locator('#tour-steps li.done').count()).toBe(8);
    await shot('tour-done');
  }, 120_000);

  it('fires a scheduled freeze when the clock moves to the next scheduled action, and the Home tab shows it', async () => {
    await actAs(MANAGER);
    const inDays = (days: number) =>
      new Date(playground.session.clock.now().getTime() + days * 86_400_000).toISOString().slice(0, 10);
    await run(`/release create 2.5 freeze=${inDays(3)} 10:00`);
    await page.locator('#messages li.ephemeral', { hasText: '2.5' }).first().waitFor();
    await page.getByRole('button', { name: 'Home' }).click();
    await page.locator('#home', { hasText: '2.5' }).waitFor();
    await expect(page.locator('#home').getByRole('button', { name: 'Freeze' }).count()).resolves.toBe(1);
    await shot('home');
    await page.getByRole('button', { name: '#releases' }).click();
    // The freeze reminder first, then the freeze itself.
    await moveClock('to the next scheduled action');
    await moveClock('to the next scheduled action');
    await expect.poll(() => state('2.5')).toBe('frozen');
    await announcement('2.5').getByRole('button', { name: 'Approve' }).waitFor();
    await expect(announcement('2.5').textContent()).resolves.toContain('Frozen on schedule');
    await shot('scheduled-freeze');
  }, 60_000);

  it('keeps the view in the URL: a reload opens the same person, conversation and thread', async () => {
    await actAs(QA);
    await announcement('2.4').locator('button.replies').click();
    await page.locator('#thread').waitFor();
    await expect.poll(() => new URL(page.url()).searchParams.get('thread')).not.toBeNull();
    const link = new URL(page.url());
    expect([link.searchParams.get('as'), link.searchParams.get('channel')]).toEqual([QA, 'C0RELEASES']);
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    await expect(page.locator('#user').inputValue()).resolves.toBe(QA);
    await expect.poll(() => page.locator('#thread').isVisible()).toBe(true);
    await expect(page.locator('#thread-messages li').first().textContent()).resolves.toContain('2.4');
    // A link to someone's Home tab opens it as them.
    await page.goto(`${playground.url}?as=${PRODUCT}&view=home`);
    await page.waitForSelector('body[data-ready="true"]');
    await expect(page.locator('#user').inputValue()).resolves.toBe(PRODUCT);
    await page.locator('#home', { hasText: '2.5' }).waitFor();
  }, 60_000);

  it('has no serious or critical axe violations on the channel, thread, modal, Home and panels', async () => {
    const found: Record<string, unknown> = {};
    const check = async (view: string) => {
      const violations = await seriousAxeViolations(page);
      if (violations.length > 0) found[view] = violations;
    };
    await page.goto(`${playground.url}?as=${PRODUCT}&channel=C0RELEASES`);
    await page.waitForSelector('body[data-ready="true"]');
    await check('channel');
    await announcement('2.4').locator('button.replies').click();
    await page.locator('#thread').waitFor();
    await check('thread');
    await announcement('2.5').getByRole('button', { name: 'Reject' }).click();
    await page.locator('dialog#modal').waitFor();
    await check('modal');
    await page.keyboard.press('Escape');
    await page.locator('dialog#modal').waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Home' }).click();
    await page.locator('#home', { hasText: '2.5' }).waitFor();
    await check('home');
    for (const name of ['Tour', 'Jira', 'Pipeline'] as const) {
      await openPanel(name);
      await page.locator(`#${name.toLowerCase()}-panel`).waitFor();
      await check(name);
    }
    expect(found).toEqual({});

    // The keyboard alone: a panel opens with Enter and takes the focus, the clock moves with Space.
    await page.locator('#jira-toggle').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#jira-panel').isVisible()).toBe(true);
    await expect
      .poll(() => page.locator('#close-jira').evaluate((el) => el === el.ownerDocument.activeElement))
      .toBe(true);
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.locator('#jira-toggle').evaluate((el) => el === el.ownerDocument.activeElement))
      .toBe(true);
    const before = playground.session.offsetMs;
    await page.locator('#clock-hour').focus();
    await page.keyboard.press('Space');
    await expect.poll(() => playground.session.offsetMs).toBe(before + 3_600_000);
  }, 60_000);

  it('resets the session: no message, nothing ticked, the clock at real time', async () => {
    await openPanel('Tour');
    await page.getByRole('button', { name: 'Reset the session' }).click();
    await page.locator('dialog#confirm').getByRole('button', { name: 'Reset' }).click();
    await expect.poll(() => page.locator('#tour-steps li.done').count()).toBe(0);
    await page.getByRole('button', { name: '#releases' }).click();
    await expect.poll(() => page.locator('#messages li').count()).toBe(0);
    await expect(page.locator('#clock-now').textContent()).resolves.toContain('real time');
    expect(queryRows(join(dir, 'bot.sqlite'), 'select count(*) n from releases')).toEqual([{ n: 0 }]);
  }, 60_000);
});
