import { App, HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { toBoltLogger } from './bolt-logger.js';

export interface SlackApp {
  app: App;
  /** Present in HTTP mode: mounted on our server at /slack/events. */
  httpReceiver?: HTTPReceiver;
  /** Present in Socket Mode: connects out to Slack instead. */
  socketReceiver?: SocketModeReceiver;
}

export function createSlackApp(config: Config, logger: Logger): SlackApp {
  const boltLogger = toBoltLogger(logger);
  const clientOptions = config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {};
  if (config.slack.appToken) {
    const socketReceiver = new SocketModeReceiver({
      appToken: config.slack.appToken,
      logger: boltLogger,
      installerOptions: { clientOptions },
    });
    const app = new App({
      token: config.slack.botToken,
      receiver: socketReceiver,
      logger: boltLogger,
      clientOptions,
    });
    return { app, socketReceiver };
  }
  const httpReceiver = new HTTPReceiver({
    signingSecret: config.slack.signingSecret ?? '',
    endpoints: '/slack/events',
    logger: boltLogger,
    // Listeners ack before any slow work themselves, so Bolt may answer Slack as soon as ack() is called.
    processBeforeResponse: false,
  });
  const app = new App({
    token: config.slack.botToken,
    receiver: httpReceiver,
    logger: boltLogger,
    clientOptions,
  });
  return { app, httpReceiver };
}
