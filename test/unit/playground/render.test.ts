import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseRow } from '../../../src/db/releases.js';
import { renderMessageBody, type RenderContext } from '../../../src/playground/render.js';
import { announcementMessage, releaseHelp } from '../../../src/slack/blocks/release.js';
import { homeView } from '../../../src/slack/blocks/home.js';
import { rejectModal } from '../../../src/slack/blocks/signoff.js';
import { signoffReminderMessage } from '../../../src/slack/blocks/calendar.js';
import { notesReply } from '../../../src/slack/blocks/notes.js';
import { exceptionRequestMessage } from '../../../src/slack/blocks/exceptions.js';
import { doneTicket, releasedNotes } from '../../support/notes-fixtures.js';
import { yamlBlocks } from '../../../src/slack/blocks/devenv.js';
import { launchChromium } from '../../support/browser.js';

const ctx: RenderContext = {
  userName: (id) => ({ UMAYA0001: 'maya', UQUINN001: 'quinn' })[id],
  channelName: (id) => (id === 'C0RELEASES' ? 'releases' : undefined),
  groupHandle: (id) => (id === 'SQATEAM01' ? 'qa-team' : undefined),
};

const release: ReleaseRow = {
  id: 7,
  version: '2.4',
  versionKey: '2.4',
  state: 'signed_off',
  freezeAt: null,
  shipAt: new Date('2026-12-08T14:30:00Z'),
  frozenAt: new Date('2026-12-01T08:00:00Z'),
  revision: 2,
  requiredRoles: [{ name: 'qa', members: ['SQATEAM01'], quorum: 1 }],
  announcementChannel: 'C0RELEASES',
  announcementTs: '1.000001',
  announcementPermalink: 'http://127.0.0.1:3000/?channel=C0RELEASES&message=1.000001',
  announcementProblem: null,
  jiraSync: null,
  createdBy: 'UMAYA0001',
  createdAt: new Date('2026-11-26T10:00:00Z'),
  updatedAt: new Date('2026-12-01T08:00:00Z'),
};

const tally = {
  roles: [{ role: 'qa', quorum: 1, approvedBy: ['UQUINN001'], missing: 0 }],
  rejections: [],
  stale: [],
  complete: true,
};

describe('the playground renderer, on the bot’s own blocks, in a real DOM', () => {
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
  });

  const show = (message: { text?: unknown; blocks?: unknown }) =>
    page.setContent(`<main>${renderMessageBody(message, ctx)}</main>`);
  const count = (selector: string) => page.locator(selector).count();
  const text = (selector: string) => page.locator(selector).first().innerText();

  it('renders the announcement: header, sections, mrkdwn, a divider, buttons with style and confirm, context with a date', async () => {
    await show(announcementMessage({ release, tally, liveDevenvs: 0 }));
    expect(await text('h3.block-header')).toBe('2.4: signed off');
    expect(await count('.block-section strong')).toBeGreaterThan(0);
    expect(await count('hr.block-divider')).toBe(1);
    const buttons = page.locator('.block-actions button');
    expect(await buttons.allInnerTexts()).toEqual(['Approve', 'Reject', 'Withdraw my vote', 'Ship']);
    expect(await page.locator('button.btn-primary').count()).toBe(2);
    expect(await page.locator('button.btn-danger').innerText()).toBe('Reject');
    expect(await page.locator('button[data-action-id="signoff_approve"]').getAttribute('data-value')).toBe(
      '7:2',
    );
    const confirm = JSON.parse(
      (await page.locator('button[data-action-id="release_ship"]').getAttribute('data-confirm'))!,
    ) as Record<string, string>;
    expect(confirm).toEqual({
      title: 'Ship 2.4?',
      text: 'This marks the release released and lifts the freeze.',
      confirm: 'Ship it',
      deny: 'Cancel',
    });
    expect(await page.locator('.block-context time.slack-date').getAttribute('data-ts')).toBe(
      String(release.updatedAt.getTime() / 1000),
    );
    expect(await page.locator('.mention-user').allInnerTexts()).toEqual(
      expect.arrayContaining(['@quinn', '@maya']),
    );
    expect(await count('.unsupported')).toBe(0);
  });

  it('renders the help (code spans) and a reminder DM (a link, buttons)', async () => {
    await show(releaseHelp());
    expect(await count('code')).toBeGreaterThan(10);
    await show(signoffReminderMessage({ release, roles: ['qa'], cause: 'manual', shipAt: release.shipAt }));
    expect(await page.locator('a').getAttribute('href')).toBe(release.announcementPermalink);
    expect(await page.locator('a').innerText()).toBe('The announcement');
    expect(await page.locator('button').allInnerTexts()).toEqual(['Approve', 'Reject']);
  });

  it('renders the reject modal’s input with its label, a textarea and a place for the error', async () => {
    await show(rejectModal('2.4', { releaseId: 7, revision: 2 }));
    expect(await page.getByLabel('Reason').evaluate((el: { tagName: string }) => el.tagName)).toBe(
      'TEXTAREA',
    );
    expect(await page.locator('textarea').getAttribute('name')).toBe('reject_reason');
    expect(await count('.field-error[role="alert"]')).toBe(1);
  });

  it('renders the Home tab, notes with links, an exception request and YAML, and escapes what people typed', async () => {
    await show(
      homeView({
        releases: [
          {
            view: { release, tally, liveDevenvs: 0 },
            lateChanges: [],
            mayVote: true,
            awaitsReader: true,
            mayManage: true,
          },
        ],
        liveDevenvs: 0,
        mine: [],
        calendar: [],
      }),
    );
    expect(await page.locator('h3').allInnerTexts()).toEqual([
      'Releases',
      'Your developer environments',
      'Calendar',
    ]);
    expect(await page.locator('button').allInnerTexts()).toEqual(['Approve', 'Reject', 'Ship']);

    const env = {
      name: 'dana-30b43',
      owner: 'UDANA0001',
      overrides: [
        {
          service: 'blog-service',
          target: {
            kind: 'devenv-namespace' as const,
            namespace: 'devenv-dana-30b43',
            service: 'blog-service',
          },
        },
      ],
      expiresAt: new Date('2026-11-26T18:00:00Z'),
    };
    await show(
      homeView({ releases: [], liveDevenvs: 1, mine: Array.from({ length: 8 }, () => env), calendar: [] }),
    );
    expect(await page.locator('button[data-action-id="devenv_extend"]').count()).toBe(6);
    expect(
      await page.locator('button[data-action-id="devenv_delete"]').first().getAttribute('data-confirm'),
    ).toContain('Delete dana-30b43?');
    expect(await page.locator('.block-context', { hasText: 'and 2 more' }).innerText()).toContain(
      '/devenv list',
    );

    await show(
      notesReply(releasedNotes([doneTicket('BLOG-1', 'Bug', '<script>alert(1)</script> & *not bold*')])),
    );
    expect(await page.locator('a', { hasText: 'BLOG-1' }).getAttribute('href')).toBe(
      'https://jira.example/browse/BLOG-1',
    );
    expect(await count('script')).toBe(0);
    expect(
      await page.locator('li, .section-text').filter({ hasText: 'BLOG-1' }).first().innerText(),
    ).toContain('<script>alert(1)</script> & not bold');

    await show(
      exceptionRequestMessage(
        {
          id: 3,
          releaseId: 7,
          issueKey: 'BLOG-9',
          service: 'blog-service',
          reason: 'hotfix',
          requestedBy: 'UQUINN001',
          state: 'pending',
          decidedBy: null,
          decidedAt: null,
          messageChannel: null,
          messageTs: null,
          images: null,
          createdAt: new Date(),
        },
        release,
      ),
    );
    expect(await page.locator('button').count()).toBe(2);

    await show({ blocks: yamlBlocks([{ kind: 'VirtualService', metadata: { name: 'x' } }]) });
    expect(await text('pre')).toContain('kind: VirtualService');
  });

  it('shows a visible placeholder for a block or element it does not know, never dropping it', async () => {
    await show({
      blocks: [
        { type: 'image', image_url: 'https://x/y.png', alt_text: 'y' },
        { type: 'actions', elements: [{ type: 'static_select', action_id: 'pick' }] },
        { type: 'section', text: { type: 'mrkdwn', text: 'still here' } },
      ],
    });
    expect(await page.locator('.unsupported').allInnerTexts()).toEqual([
      'unsupported block: image',
      'unsupported element: static_select',
    ]);
    expect(await text('.section-text')).toBe('still here');
  });
});
