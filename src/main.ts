import { existsSync } from 'node:fs';
import { startBot } from './bot.js';
import { ConfigError, loadConfig } from './config.js';

if (existsSync('.env')) process.loadEnvFile('.env');

function refuseToStart(error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(
      `release-bot cannot start, fix the configuration (see .env.example):\n${error.problems.join('\n')}\n`,
    );
    process.exit(1);
  }
  throw error;
}

let config;
try {
  config = loadConfig(process.env);
} catch (error) {
  refuseToStart(error);
}

// Handlers go in before start-up so a signal during start still shuts down cleanly. The stop is bounded by
// SHUTDOWN_GRACE, so a repeated signal (a supervisor's retry) need not cut it short.
const starting = startBot(config);
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
