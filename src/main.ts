import { existsSync } from 'node:fs';
import { startBot } from './bot.js';
import { ConfigError, loadConfig } from './config.js';
import { slackMode } from './playground/mode.js';

if (existsSync('.env')) process.loadEnvFile('.env');

function refuseToStart(error: unknown): never {
  if (error instanceof ConfigError) {
    // Outside production the same missing settings would have started the playground: say why not here.
    const why =
      process.env.NODE_ENV === 'production' && !process.env.SLACK_BOT_TOKEN && !process.env.SLACK_APP_TOKEN
        ? '\nNo playground: NODE_ENV=production asks for a real Slack workspace. The playground (a Slack stand-in to try release-bot) starts only outside production, when no Slack settings are given.\n'
        : '';
    process.stderr.write(
      `release-bot cannot start, fix the configuration (see .env.example):\n${error.problems.join('\n')}\n${why}`,
    );
    process.exit(1);
  }
  throw error;
}

/** Starts the bot against Slack, or (without Slack settings, outside production) as the playground. */
async function start(): Promise<{ stop(): Promise<void> }> {
  if (slackMode(process.env) === 'slack') return startBot(loadConfig(process.env));
  // Loaded only here: a bot connected to Slack never pays for the playground's modules.
  const { startPlayground } = await import('./playground/start.js');
  const playground = await startPlayground(process.env);
  process.stdout.write(
    `\nrelease-bot playground: open ${playground.url}\n` +
      'No Slack settings were given, so a Slack stand-in runs beside the bot. To connect a real workspace, set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (see docs/running.md, "Creating the Slack app").\n\n',
  );
  return playground;
}

let starting: Promise<{ stop(): Promise<void> }>;
try {
  starting = start();
} catch (error) {
  refuseToStart(error);
}

// Handlers go in before start-up so a signal during start still shuts down cleanly. The stop is bounded by
// SHUTDOWN_GRACE, so a repeated signal (a supervisor's retry) need not cut it short.
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void starting
      .then((bot) => bot.stop())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`release-bot did not stop cleanly: ${String(error)}\n`);
          process.exit(1);
        },
      );
  });
}
await starting.catch(refuseToStart);
