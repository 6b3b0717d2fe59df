import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlayground, type RunningPlayground } from '../../src/playground/start.js';
import { queryRows } from '../support/db.js';
import { artifactDir, launchChromium } from '../support/browser.js';

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
  const announcement = (): Locator => page.locator('#messages li', { hasText: '2.4: ' }).last();
  const state = () => queryRows(join(dir, 'bot.sqlite'), 'select state from releases')[0]?.state;

  it('walks a release from freeze to ship, with a modal, a thread, a devenv dry run and the Home tab', async () => {
    // The manager creates and freezes 2.4: the announcement appears with Approve and Reject.
    await actAs(MANAGER);
    await page.fill('#composer-input', '/rel');
    await expect.poll(() => page.textContent('#hint')).toContain('/release');
    await run('/release create 2.4');
    await page.locator('#messages li.ephemeral', { hasText: 'is planned' }).waitFor();
    await run('/release freeze 2.4 candidate build 118');
    await announcement().getByRole('button', { name: 'Approve' }).waitFor();
    await expect(announcement().getByRole('button', { name: 'Reject' }).count()).resolves.toBe(1);
    // The scope comes from the playground's seeded Jira: 16 tickets, three bugs still open.
    await announcement().filter({ hasText: '16 tickets' }).filter({ hasText: 'TAG-6' }).waitFor();
    await shot('frozen');

    // A developer's pipeline deploys a 2.5 story: refused. They ask for an exception, the manager approves it
    // in the channel, and the same change, sent again from the panel, is let in.
    await actAs(DEVELOPER);
    await page.getByRole('button', { name: 'Pipeline' }).click();
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
    await page.getByRole('button', { name: 'Close the pipeline panel' }).click();
    await actAs(MANAGER);

    // QA approves: the tally updates in place, without a reload.
    await actAs(QA);
    await page.evaluate(() => ((globalThis as unknown as { marker: boolean }).marker = true));
    const clicked = Date.now();
    await announcement().getByRole('button', { name: 'Approve' }).click();
    await page.locator('#messages li', { hasText: 'qa 1/1' }).waitFor();
    const latencyMs = Date.now() - clicked;
    console.log(`click to updated announcement: ${latencyMs} ms`);
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: boolean }).marker)).toBe(true);
    await shot('qa-approved');

    // The product owner rejects: the modal opens, an empty reason is refused, a reason goes in the thread.
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
    await shot('rejected-thread');

    // Withdraw, approve; the manager ships through the confirm dialog.
    await announcement().getByRole('button', { name: 'Withdraw my vote' }).click();
    await page.locator('#thread-messages li', { hasText: 'withdrew their vote' }).waitFor();
    await announcement().getByRole('button', { name: 'Approve' }).click();
    await expect.poll(state).toBe('signed_off');
    await actAs(MANAGER);
    await announcement().getByRole('button', { name: 'Ship' }).click();
    await page.locator('dialog#confirm').getByRole('button', { name: 'Ship it' }).click();
    await expect.poll(state).toBe('released');
    await announcement().filter({ hasText: 'released' }).waitFor();
    await shot('shipped');

    // The Jira panel shows what the bot wrote back: 2.4 released in both projects, with its notes.
    await page.getByRole('button', { name: 'Jira' }).click();
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

    // A developer's dry run shows the objects; another developer does not see that ephemeral reply.
    await actAs(DEVELOPER);
    await run('/devenv blog-service dry-run');
    const dryRun = page.locator('#messages li.ephemeral', { hasText: 'VirtualService' });
    await dryRun.waitFor();
    await expect(dryRun.locator('.only-you').count()).resolves.toBe(1);
    await shot('devenv-dry-run');
    await actAs(OTHER_DEVELOPER);
    await expect.poll(() => page.locator('#messages li', { hasText: 'VirtualService' }).count()).toBe(0);
    await shot('other-developer');

    // The Home tab shows the releases.
    await actAs(MANAGER);
    await run('/release create 2.5 freeze=2030-01-07');
    await page.getByRole('button', { name: 'Home' }).click();
    await page.locator('#home', { hasText: '2.5' }).waitFor();
    await expect(page.locator('#home').getByRole('button', { name: 'Freeze' }).count()).resolves.toBe(1);
    await shot('home');
  }, 120_000);
});
