import { App, type Receiver } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { ButtonRouter } from '../../../src/slack/button-router.js';

/** A receiver that never listens: events go to the real Bolt App through processEvent. */
const idleReceiver: Receiver = {
  init: () => undefined,
  start: () => Promise.resolve(),
  stop: () => Promise.resolve(),
};

function press(actionId: string) {
  return {
    type: 'block_actions',
    team: { id: 'T0TEAM' },
    user: { id: 'U0USER', team_id: 'T0TEAM' },
    api_app_id: 'A0APP',
    token: 'legacy',
    trigger_id: '1.2.3',
    actions: [{ type: 'button', action_id: actionId, block_id: 'b', value: 'v', action_ts: '1' }],
  };
}

function appWith(router: ButtonRouter): App {
  const app = new App({
    receiver: idleReceiver,
    authorize: () => Promise.resolve({ botToken: 'xoxb-test', botId: 'B0BOT', botUserId: 'U0BOT' }),
  });
  router.mount(app);
  return app;
}

describe('ButtonRouter', () => {
  it('hands each button to its own handler through one Bolt listener, and claims no other action id', async () => {
    const router = new ButtonRouter();
    const pressed: string[] = [];
    for (const id of ['release-bot.approve', 'release-bot.reject']) {
      router.on(id, async ({ ack, action }) => {
        pressed.push(action.action_id);
        await ack();
      });
    }
    const app = appWith(router);
    for (const id of [
      'release-bot.reject',
      'release-bot.approve',
      'release-botXapprove',
      'release-bot.approve2',
    ]) {
      await app.processEvent({ body: press(id), ack: () => Promise.resolve() });
    }
    expect(pressed).toEqual(['release-bot.reject', 'release-bot.approve']);
    // Bolt is asked only about these two: the dot is literal and the match whole, so look-alike ids stay
    // Bolt's to handle (or to report as unhandled).
    expect(['release-bot.approve', 'release-bot.reject'].every((id) => router.pattern.test(id))).toBe(true);
    expect(
      ['release-botXapprove', 'release-bot.approve2', 'x-release-bot.reject'].some((id) =>
        router.pattern.test(id),
      ),
    ).toBe(false);
  });

  it('refuses a second handler for the same button', () => {
    const router = new ButtonRouter();
    router.on('release-bot.approve', () => Promise.resolve());
    expect(() => router.on('release-bot.approve', () => Promise.resolve())).toThrow(
      'two handlers for the button release-bot.approve',
    );
  });
});
