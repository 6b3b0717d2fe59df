import { App, type Receiver } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { SlackRoutes } from '../../../src/slack/routes.js';

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

function slash(command: string) {
  return {
    command,
    text: 'help',
    team_id: 'T0TEAM',
    user_id: 'U0USER',
    channel_id: 'C0CHANNEL',
    response_url: 'https://hooks.slack.test/response',
    trigger_id: '1.2.3',
    api_app_id: 'A0APP',
    token: 'legacy',
  };
}

function mounted(routes: SlackRoutes): App {
  const app = new App({
    receiver: idleReceiver,
    authorize: () => Promise.resolve({ botToken: 'xoxb-test', botId: 'B0BOT', botUserId: 'U0BOT' }),
  });
  routes.mount(app);
  return app;
}

describe('SlackRoutes', () => {
  it('hands each button and each command to its own handler, one Bolt listener each, and claims no other key', async () => {
    const routes = new SlackRoutes();
    const handled: string[] = [];
    for (const id of ['release-bot.approve', 'release-bot.reject']) {
      routes.buttons.on(id, async ({ ack, action }) => {
        handled.push(action.action_id);
        await ack();
      });
    }
    for (const name of ['/release', '/devenv']) {
      routes.commands.on(name, async ({ ack, command }) => {
        handled.push(command.command);
        await ack();
      });
    }
    const app = mounted(routes);
    const ack = () => Promise.resolve();
    for (const id of ['release-bot.reject', 'release-bot.approve', 'release-botXapprove']) {
      await app.processEvent({ body: press(id), ack });
    }
    for (const name of ['/devenv', '/release', '/releases'])
      await app.processEvent({ body: slash(name), ack });
    expect(handled).toEqual(['release-bot.reject', 'release-bot.approve', '/devenv', '/release']);
    // Bolt is asked only about these: the dot is literal and the match whole, so look-alikes stay Bolt's
    // to handle (or to report as unhandled).
    const { buttons, commands } = routes;
    expect(['release-bot.approve', 'release-bot.reject'].every((id) => buttons.pattern.test(id))).toBe(true);
    expect(
      ['release-botXapprove', 'release-bot.approve2', 'x-release-bot.reject'].some((id) =>
        buttons.pattern.test(id),
      ),
    ).toBe(false);
    expect(['/release', '/devenv'].every((name) => commands.pattern.test(name))).toBe(true);
    expect(['/releases', '/devenv2', 'x/release'].some((name) => commands.pattern.test(name))).toBe(false);
  });

  it('refuses a second handler for the same button or command', () => {
    const routes = new SlackRoutes();
    routes.buttons.on('release-bot.approve', () => Promise.resolve());
    routes.commands.on('/release', () => Promise.resolve());
    expect(() => routes.buttons.on('release-bot.approve', () => Promise.resolve())).toThrow(
      'two handlers for the button release-bot.approve',
    );
    expect(() => routes.commands.on('/release', () => Promise.resolve())).toThrow(
      'two handlers for the command /release',
    );
  });
});
