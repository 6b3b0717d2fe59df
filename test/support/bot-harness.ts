import { startBot, type BotOptions, type RunningBot } from '../../src/bot.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { Clock } from '../../src/use-cases/ports.js';
import { slackSignatureHeaders } from './slack-signer.js';
import { SlackStandIn } from './slack-stand-in.js';
import { createTestDatabase, type Row, type TestDatabase } from './test-database.js';
import {
  appHomeOpenedBody,
  homeBlockActionsPayload,
  blockActionsPayload,
  interactiveBody,
  newTriggerId,
  RELEASE_CHANNEL,
  slashCommandBody,
  viewSubmissionPayload,
} from './slack-payloads.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';
export const MANAGER = 'UMANAGER1';
/** The member of the `qa` sign-off role every test bot starts with. */
export const DEFAULT_QA = 'UQA00001';

export interface TestBot {
  bot: RunningBot;
  slack: SlackStandIn;
  baseUrl: string;
  /** The bot's database, on the store of the run (SQLite, or PostgreSQL in the `postgres` project). */
  database: TestDatabase;
  /** The SQLite file; '' on PostgreSQL (only for tests that reach into SQLite itself). */
  databasePath: string;
  /** Reads the bot's database with plain SQL (see TestDatabase.rows). */
  rows(sql: string, ...params: unknown[]): Promise<Row[]>;
  /** Sends a signed request to /slack/events and returns the HTTP status. */
  post(body: string, headers?: Record<string, string>): Promise<Response>;
  /** Runs a slash command and returns its reply: from the ack, or else from response_url. */
  command(command: string, text: string, userId?: string): Promise<Record<string, unknown>>;
  /** Runs a slash command and returns the text of the ack's own body ('' when the reply comes later). */
  ackBody(command: string, text: string, userId?: string): Promise<string>;
  /** Presses a button; resolves to the response_url reply id, whose reply may never come. */
  click(
    actionId: string,
    value: string,
    userId: string,
  ): Promise<{ status: number; responseId: string; triggerId: string }>;
  /** The user opens the App Home tab (with the hash of the view Slack holds for them). */
  openHome(userId: string): Promise<Response>;
  /** Presses a button in the App Home tab (no response_url: replies come as DMs). */
  clickHome(actionId: string, value: string, userId: string): Promise<Response>;
  submitView(
    callbackId: string,
    userId: string,
    privateMetadata: string,
    values: Record<string, Record<string, { type: string; value: string | null }>>,
  ): Promise<Response>;
  stop(): Promise<void>;
}

export async function startTestBot(
  env: Record<string, string> = {},
  options: {
    clock?: Clock;
    slack?: SlackStandIn;
    /** A database kept across bots (a restart); by default each bot gets a new one, dropped at stop. */
    database?: TestDatabase;
    upkeep?: 'timers' | 'manual';
    relay?: BotOptions['relay'];
    scheduler?: BotOptions['scheduler'];
    homes?: BotOptions['homes'];
  } = {},
): Promise<TestBot> {
  const slack = options.slack ?? (await new SlackStandIn().start());
  const database = options.database ?? (await createTestDatabase());
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    ...database.env,
    RELEASE_CHANNEL,
    RELEASE_MANAGERS: MANAGER,
    // A release cannot be frozen without a sign-off role: most tests want one to exist.
    SIGNOFF_ROLES: `qa=${DEFAULT_QA}`,
    LOG_LEVEL: 'silent',
    SLACK_TIMEOUT: '1s',
    SHUTDOWN_GRACE: '2s',
    ...env,
  });
  const bot = await startBot(config, {
    clock: options.clock,
    logger: createLogger(env.LOG_LEVEL ?? 'silent'),
    // Short backoffs: tests watch retries happen instead of waiting out production delays.
    relay: { baseBackoffMs: 100, maxBackoffMs: 400, ...options.relay },
    scheduler: options.scheduler,
    upkeep: options.upkeep,
    homes: { throttleMs: 100, ...options.homes },
  });
  const baseUrl = `http://127.0.0.1:${bot.port}`;

  const post = (body: string, headers = slackSignatureHeaders(SIGNING_SECRET, body)) =>
    fetch(`${baseUrl}/slack/events`, { method: 'POST', body, headers });

  return {
    bot,
    slack,
    baseUrl,
    database,
    databasePath: database.path,
    rows: (sql, ...params) => database.rows(sql, ...params),
    post,
    async command(command, text, userId = MANAGER) {
      const { id, url } = slack.newResponseUrl();
      const res = await post(slashCommandBody({ command, text, userId, responseUrl: url }));
      if (res.status !== 200) throw new Error(`slash command answered ${res.status}`);
      // A quick reply rides on the ack (the HTTP response); a slow one comes on response_url.
      const body = await res.text();
      return body ? (JSON.parse(body) as Record<string, unknown>) : slack.waitForResponse(id);
    },
    async ackBody(command, text, userId = MANAGER) {
      const res = await post(
        slashCommandBody({ command, text, userId, responseUrl: slack.newResponseUrl().url }),
      );
      return res.text();
    },
    async click(actionId, value, userId) {
      const { id, url } = slack.newResponseUrl();
      const triggerId = newTriggerId();
      const res = await post(
        interactiveBody(blockActionsPayload({ actionId, value, userId, responseUrl: url, triggerId })),
      );
      return { status: res.status, responseId: id, triggerId };
    },
    openHome(userId) {
      const body = appHomeOpenedBody(userId, slack.homeHash(userId));
      return post(body, {
        ...slackSignatureHeaders(SIGNING_SECRET, body),
        'content-type': 'application/json',
      });
    },
    clickHome(actionId, value, userId) {
      return post(interactiveBody(homeBlockActionsPayload({ actionId, value, userId })));
    },
    submitView(callbackId, userId, privateMetadata, values) {
      return post(interactiveBody(viewSubmissionPayload({ callbackId, userId, privateMetadata, values })));
    },
    async stop() {
      await bot.stop();
      if (!options.slack) await slack.stop();
      if (!options.database) await database.drop();
      if (slack.refusals.length > 0 && !slack.expectRefusals) {
        throw new Error(
          `Slack would have refused ${slack.refusals.length} message(s): ${JSON.stringify(slack.refusals.slice(0, 3))}`,
        );
      }
    },
  };
}

/** The mrkdwn of every block of a reply, joined: what a person reads. */
export function replyText(reply: Record<string, unknown>): string {
  const blocks =
    (reply.blocks as
      | { text?: { text?: string }; fields?: { text?: string }[]; elements?: { text?: string }[] }[]
      | undefined) ?? [];
  return [
    typeof reply.text === 'string' ? reply.text : '',
    ...blocks.flatMap((b) => [
      b.text?.text ?? '',
      ...(b.fields ?? []).map((f) => f.text ?? ''),
      ...(b.elements ?? []).map((e) => e.text ?? ''),
    ]),
  ].join('\n');
}
