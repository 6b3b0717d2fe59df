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

/** `fetch` for the Web API client, wrapped so every Slack call is timed and counted. */
export type SlackFetch = typeof fetch;

export function createSlackApp(config: Config, logger: Logger, slackFetch: SlackFetch = fetch): SlackApp {
  const boltLogger = toBoltLogger(logger);
  const clientOptions = {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    // The default policy retries for about 30 minutes. Ours is a few quick tries: nobody may wait on a
    // Slack retry loop, and what must not be lost goes through the outbox, which retries for longer.
    timeout: config.slack.timeoutSeconds * 1000,
    retryConfig: { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 1_000, randomize: true },
    // A rate-limited call fails at once with Retry-After; the outbox waits that long, nobody else does.
    rejectRateLimitedCalls: true,
    fetch: slackFetch,
  };
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
