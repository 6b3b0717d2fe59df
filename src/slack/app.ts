import type { Authorize } from '@slack/bolt';
import { App, HTTPReceiver, SocketModeReceiver, webApi } from '../vendor/bolt.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { toBoltLogger } from './bolt-logger.js';

export interface SlackApp {
  app: App;
  /** The bot's own Web API client (outbox, group look-ups): the bot token, our timeouts and retries. */
  client: webApi.WebClient;
  /**
   * The same client without retries, for the outbox: Slack may have carried out a post whose answer timed
   * out, so a blind retry can post twice. The outbox decides what happens next, with the step counter.
   */
  outboxClient: webApi.WebClient;
  /** `auth.test`, cached once it succeeds and asked again after a failure. */
  whoAmI(): Promise<{ botId: string; botUserId: string }>;
  /** `auth.test` asked now, never cached: whether the token works at this moment. */
  checkToken(): Promise<unknown>;
  /** Present in HTTP mode: mounted on our server at /slack/events. */
  httpReceiver?: HTTPReceiver;
  /** Present in Socket Mode: connects out to Slack instead. */
  socketReceiver?: SocketModeReceiver;
}

/** `fetch` for the Web API client, wrapped so every Slack call is timed and counted. */
export type SlackFetch = typeof fetch;

export function createSlackApp(
  config: Config,
  logger: Logger,
  slackFetch: SlackFetch = fetch,
  /** The outbox's calls: the composition root adds the signal that cancels them when leadership ends. */
  outboxFetch: SlackFetch = slackFetch,
): SlackApp {
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
  const client = new webApi.WebClient(config.slack.botToken, { ...clientOptions, logger: boltLogger });
  const outboxClient = new webApi.WebClient(config.slack.botToken, {
    ...clientOptions,
    fetch: outboxFetch,
    retryConfig: { retries: 0 },
    logger: boltLogger,
  });
  // Our own authorize instead of Bolt's token verification: Bolt calls auth.test in its constructor and
  // leaves a rejection unhandled when Slack refuses the token, which would kill the process. Here a bad or
  // unverifiable token makes the bot not ready (/readyz) and is asked about again.
  let identity: Promise<{ botId: string; botUserId: string }> | undefined;
  const whoAmI = () => {
    identity ??= client.auth.test().then((r) => ({ botId: r.bot_id ?? '', botUserId: r.user_id ?? '' }));
    identity.catch(() => (identity = undefined));
    return identity;
  };
  const botToken = config.slack.botToken;
  const authorize: Authorize<boolean> = async () => ({ botToken, ...(await whoAmI()) });
  // No conversation store: nothing here keeps per-conversation state in Bolt, and its middleware runs on
  // every request (a measurable share of the ack path at 500 requests/s).
  const appOptions = { authorize, logger: boltLogger, clientOptions, convoStore: false as const };
  if (config.slack.appToken) {
    const socketReceiver = new SocketModeReceiver({
      appToken: config.slack.appToken,
      logger: boltLogger,
      installerOptions: { clientOptions },
    });
    const app = new App({ ...appOptions, receiver: socketReceiver });
    return { app, client, outboxClient, whoAmI, checkToken: () => client.auth.test(), socketReceiver };
  }
  const httpReceiver = new HTTPReceiver({
    signingSecret: config.slack.signingSecret ?? '',
    endpoints: '/slack/events',
    logger: boltLogger,
    // Listeners ack before any slow work themselves, so Bolt may answer Slack as soon as ack() is called.
    processBeforeResponse: false,
  });
  const app = new App({ ...appOptions, receiver: httpReceiver });
  return { app, client, outboxClient, whoAmI, checkToken: () => client.auth.test(), httpReceiver };
}
