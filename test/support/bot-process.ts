import { spawn, type ChildProcess } from 'node:child_process';
import { MANAGER, SIGNING_SECRET, DEFAULT_QA } from './bot-harness.js';
import { slackSignatureHeaders } from './slack-signer.js';
import { RELEASE_CHANNEL, slashCommandBody } from './slack-payloads.js';
import type { SlackStandIn } from './slack-stand-in.js';

/**
 * The bot as a real process (`node src/main.ts` through tsx, or the built `dist/main.js` of a checkout),
 * for what only a process shows: SIGKILL, SIGTERM, the build's output.
 */
export interface BotProcess {
  baseUrl: string;
  /** Sends a signed request to /slack/events and returns the HTTP status. */
  post(body: string): Promise<number>;
  /** The same, returning the status and the response body (a reply that rides on the ack). */
  send(body: string): Promise<{ status: number; text: string }>;
  /** Resolves with the exit code (or signal) once the process is gone. */
  kill(signal: NodeJS.Signals): Promise<number | string>;
  /** Sends a signal without waiting for an exit (SIGSTOP, SIGCONT). */
  signal(signal: NodeJS.Signals): void;
  output(): string;
}

export async function startBotProcess(
  slack: SlackStandIn,
  /** A SQLite file, or a test database (its DATABASE_PATH or DATABASE_URL). */
  database: string | { env: Record<string, string> },
  env: Record<string, string> = {},
  built?: { checkout: string },
): Promise<BotProcess> {
  const entry = built ? ['dist/main.js'] : ['--import', 'tsx', 'src/main.ts'];
  const child: ChildProcess = spawn(process.execPath, entry, {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      SLACK_BOT_TOKEN: 'xoxb-process-test',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      RELEASE_CHANNEL,
      RELEASE_MANAGERS: MANAGER,
      SIGNOFF_ROLES: `qa=${DEFAULT_QA}`,
      ...(typeof database === 'string' ? { DATABASE_PATH: database } : database.env),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      SLACK_TIMEOUT: '1s',
      ...env,
    },
    cwd: built?.checkout ?? process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      const match = /"port":(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    void exited.then((code) => reject(new Error(`the bot exited (${code}) before it was ready:\n${output}`)));
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    async post(body) {
      const res = await fetch(`${baseUrl}/slack/events`, {
        method: 'POST',
        body,
        headers: slackSignatureHeaders(SIGNING_SECRET, body),
      });
      await res.arrayBuffer();
      return res.status;
    },
    async send(body) {
      const res = await fetch(`${baseUrl}/slack/events`, {
        method: 'POST',
        body,
        headers: slackSignatureHeaders(SIGNING_SECRET, body),
      });
      return { status: res.status, text: await res.text() };
    },
    kill(signal) {
      child.kill(signal);
      return exited;
    },
    signal(signal) {
      child.kill(signal);
    },
    output: () => output,
  };
}

/** `/release <text>` from a release manager, signed, to a bot process (its answer goes to a stand-in URL). */
export function releaseCommandTo(
  bot: () => BotProcess,
  slack: SlackStandIn,
): (text: string) => Promise<number> {
  return (text) =>
    bot().post(
      slashCommandBody({
        command: '/release',
        text,
        userId: MANAGER,
        responseUrl: `${slack.url}/response/x`,
      }),
    );
}
