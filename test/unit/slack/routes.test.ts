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

function view(type: 'view_submission' | 'view_closed', callbackId: string) {
  return {
    type,
    team: { id: 'T0TEAM' },
    user: { id: 'U0USER', team_id: 'T0TEAM' },
    api_app_id: 'A0APP',
    token: 'legacy',
    view: { id: 'V1', callback_id: callbackId, private_metadata: '', state: { values: {} } },
  };
}

function event(type: string) {
  return {
    type: 'event_callback',
    team_id: 'T0TEAM',
    api_app_id: 'A0APP',
    token: 'legacy',
    event_id: 'Ev1',
    event_time: 1,
    event: { type, user: 'U0USER', channel: 'D0DM', tab: 'home', event_ts: '1.2' },
  };
}

/** A real Bolt App whose one global middleware dispatches to the routes, as the bot's does. */
function mounted(routes: SlackRoutes, leftToBolt: string[]): App {
  const app = new App({
    receiver: idleReceiver,
    authorize: () => Promise.resolve({ botToken: 'xoxb-test', botId: 'B0BOT', botUserId: 'U0BOT' }),
  });
  app.use((args) => routes.dispatch(args));
  const record = (what: string) => {
    leftToBolt.push(what);
    return Promise.resolve();
  };
  app.action(/.*/, ({ action }) => record(`action ${'action_id' in action ? action.action_id : ''}`));
  app.command(/.*/, ({ command }) => record(`command ${command.command}`));
  app.view({ type: 'view_closed', callback_id: /.*/ }, ({ view }) => record(`closed ${view.callback_id}`));
  return app;
}

describe('SlackRoutes', () => {
  it('hands each button, command, form and event to its own handler, and leaves every other key to Bolt', async () => {
    const routes = new SlackRoutes();
    const handled: string[] = [];
    const leftToBolt: string[] = [];
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
    routes.views.on('signoff_reject_modal', async ({ ack, view: submitted }) => {
      handled.push(`submitted ${submitted.callback_id}`);
      await ack();
    });
    routes.events.on('app_home_opened', ({ event: opened }) => {
      handled.push(opened.type);
      return Promise.resolve();
    });
    const app = mounted(routes, leftToBolt);
    const ack = () => Promise.resolve();
    for (const id of [
      'release-bot.reject',
      'release-bot.approve',
      'release-botXapprove',
      'release-bot.approve2',
    ])
      await app.processEvent({ body: press(id), ack });
    for (const name of ['/devenv', '/release', '/releases'])
      await app.processEvent({ body: slash(name), ack });
    await app.processEvent({ body: view('view_submission', 'signoff_reject_modal'), ack });
    await app.processEvent({ body: view('view_closed', 'signoff_reject_modal'), ack });
    await app.processEvent({ body: event('app_home_opened'), ack });
    await app.processEvent({ body: event('app_mention'), ack });
    expect(handled).toEqual([
      'release-bot.reject',
      'release-bot.approve',
      '/devenv',
      '/release',
      'submitted signoff_reject_modal',
      'app_home_opened',
    ]);
    // The keys are matched whole and exactly: look-alikes, and a closed form, are not ours.
    expect(leftToBolt).toEqual([
      'action release-botXapprove',
      'action release-bot.approve2',
      'command /releases',
      'closed signoff_reject_modal',
    ]);
  });

  it('refuses a second handler for the same button, command or form', () => {
    const routes = new SlackRoutes();
    routes.buttons.on('release-bot.approve', () => Promise.resolve());
    routes.commands.on('/release', () => Promise.resolve());
    routes.views.on('signoff_reject_modal', () => Promise.resolve());
    expect(() => routes.views.on('signoff_reject_modal', () => Promise.resolve())).toThrow(
      'two handlers for the view signoff_reject_modal',
    );
    expect(() => routes.buttons.on('release-bot.approve', () => Promise.resolve())).toThrow(
      'two handlers for the button release-bot.approve',
    );
    expect(() => routes.commands.on('/release', () => Promise.resolve())).toThrow(
      'two handlers for the command /release',
    );
  });
});
