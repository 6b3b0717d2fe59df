import { randomBytes } from 'node:crypto';
import { startBot, type RunningBot } from '../bot.js';
import { loadConfig } from '../config.js';
import { createLogger, resolveLogFormat } from '../logger.js';
import type { Services } from '../services.js';
import { PlaygroundSession } from './session.js';
import { SlackPlatform } from './interactions.js';
import { startPlaygroundJira, type PlaygroundJira } from './jira.js';
import { playgroundRoutes } from './routes.js';
import { SlackEmulator } from './slack-emulator.js';
import { RELEASES_CHANNEL, SEEDED_SETTINGS } from './workspace.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface RunningPlayground {
  bot: RunningBot;
  emulator: SlackEmulator;
  /** The seeded Jira, unless the environment names a Jira of its own. */
  jira: PlaygroundJira | undefined;
  /** The clock the bot runs on (moved forward from the page) and the tour's marks. */
  session: PlaygroundSession;
  /** The page to open. */
  url: string;
  stop(): Promise<void>;
}

/**
 * The bot on its real code paths, with a Slack stand-in: its Web API calls go to the emulator through
 * SLACK_API_URL, and the page's clicks reach /slack/events signed with a secret made for this session.
 * Loopback only. Jira and a cluster are used when configured, as by the real bot; otherwise Jira is a seeded
 * stand-in on loopback (reached through the same JIRA_* settings) and /devenv is a dry run.
 */
export async function startPlayground(env: NodeJS.ProcessEnv): Promise<RunningPlayground> {
  // The level is checked again with the rest of the configuration below.
  const logger = createLogger(
    LOG_LEVELS.includes(env.LOG_LEVEL ?? '') ? (env.LOG_LEVEL ?? 'info') : 'info',
    undefined,
    // A person is reading: short human lines, unless LOG_FORMAT says otherwise.
    resolveLogFormat(env, { terminal: process.stdout.isTTY === true, playground: true }),
  );
  const databasePath = env.DATABASE_PATH || './data/release-bot.sqlite';
  const beside = (suffix: string) => (databasePath === ':memory:' ? undefined : `${databasePath}${suffix}`);
  const session = new PlaygroundSession(beside('.session.json'), logger.child({ component: 'playground' }));
  const clock = session.clock;
  const emulator = await new SlackEmulator(
    logger.child({ component: 'playground-slack' }),
    beside('.playground.json'),
    () => clock.now().getTime(),
  ).start();
  const jira = env.JIRA_BASE_URL
    ? undefined
    : await startPlaygroundJira(beside('.jira.json'), logger.child({ component: 'playground-jira' }));
  const signingSecret = randomBytes(32).toString('hex');
  // The pipeline panel asks the gate as a CI job does: over HTTP, with a token made for this session.
  const gateToken = randomBytes(24).toString('hex');
  const config = loadConfig({
    ...SEEDED_SETTINGS,
    ...(env.KUBECONFIG ? {} : { DEVENV_MODE: 'dry-run' }),
    ...withoutSlack(env),
    // Without a Jira of its own, every JIRA_* setting is the seeded one's.
    ...jira?.settings,
    GATE_API_TOKEN: [gateToken, env.GATE_API_TOKEN].filter(Boolean).join(','),
    // Never a candidate for the real bot's Lease: winning it during a rollout would stop the real bot.
    LEADER_ELECTION: 'off',
    DATABASE_PATH: databasePath,
    SLACK_BOT_TOKEN: emulator.botToken,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: emulator.apiUrl,
    RELEASE_CHANNEL: RELEASES_CHANNEL.id,
    HOST: '127.0.0.1',
  });
  let eventsUrl = '';
  const platform = new SlackPlatform(emulator, signingSecret, () => eventsUrl);
  const realCluster = Boolean(env.KUBECONFIG) && env.DEVENV_MODE !== 'dry-run';
  if (realCluster) {
    // Its database is not the real bot's: a reconcile would take every real environment for an orphan.
    logger.warn(
      'playground with a real cluster: /devenv applies routes, but the playground never reconciles, reaps or collects orphans there',
    );
  }
  let bot: RunningBot | undefined;
  try {
    bot = await startBot(config, {
      logger,
      clock,
      extraRoutes: playgroundRoutes(emulator, platform, logger.child({ component: 'playground' }), {
        jira,
        gateToken,
        session,
        services: (): Services | undefined => bot?.services,
      }),
      ...(realCluster ? { upkeep: 'manual' as const } : {}),
    });
  } catch (error) {
    await emulator.stop();
    await jira?.stop();
    throw error;
  }
  const running = bot;
  const url = `http://127.0.0.1:${running.port}/`;
  eventsUrl = `${url}slack/events`;
  emulator.pageUrl = url.replace(/\/$/, '');
  return {
    bot: running,
    emulator,
    jira,
    session,
    url,
    async stop() {
      await running.stop();
      await emulator.stop();
      await jira?.stop();
    },
  };
}

/** Slack settings are the playground's own; a real token or channel must never reach the stand-in. */
function withoutSlack(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const key of [
    'SLACK_BOT_TOKEN',
    'SLACK_SIGNING_SECRET',
    'SLACK_APP_TOKEN',
    'SLACK_API_URL',
    'RELEASE_CHANNEL',
    'HOST',
  ])
    delete copy[key];
  return copy;
}
