import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SIGNING_SECRET, MANAGER } from '../test/support/bot-harness.js';
import { slackSignatureHeaders } from '../test/support/slack-signer.js';
import { blockActionsPayload, interactiveBody, slashCommandBody } from '../test/support/slack-payloads.js';
import type { SlackStandIn } from '../test/support/slack-stand-in.js';
import { startPostgres, type RunningPostgres } from '../test/support/postgres.js';
import { benchNodeArgs, benchProcessEnv } from './inspected.js';

/** An app started with `benchNodeArgs` that logs a JSON line with `port` when ready. */
export interface ServerProcess {
  url: string;
  databasePath: string;
  command(text: string, userId?: string): Promise<number>;
  click(actionId: string, value: string, userId: string): Promise<number>;
  stop(): Promise<void>;
}

/**
 * The bot (or the bare Bolt floor) in its own process, so the load generator and the Slack stand-in do
 * not share its event loop and the figures are the app's own.
 */
export async function startServerProcess(
  script: string,
  slack: SlackStandIn,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'release-bot-bench-'));
  const databasePath = join(dir, 'bench.sqlite');
  // BENCH_STORE=postgres: the bot on a real PostgreSQL server of its own instead of the SQLite file.
  const postgres: RunningPostgres | undefined =
    benchStore() === 'postgres' && !script.includes('bare-bolt') ? await startPostgres() : undefined;
  if (postgres) env = { DATABASE_URL: postgres.url, ...env };
  // BENCH_PROFILE=<dir> writes a V8 CPU profile of the app there.
  const profile = process.env.BENCH_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
    : [];
  const child: ChildProcess = spawn(process.execPath, benchNodeArgs(script, profile), {
    env: { ...benchProcessEnv(slack, databasePath), HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (d: Buffer) => {
      buffer += d.toString();
      const match = /"port":(\d+)/.exec(buffer);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  child.stdout!.resume();
  const url = `http://127.0.0.1:${port}/slack/events`;
  const post = async (body: string) => {
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers: slackSignatureHeaders(SIGNING_SECRET, body),
    });
    await res.arrayBuffer();
    return res.status;
  };
  return {
    url,
    databasePath,
    command: (text, userId = MANAGER) =>
      post(
        slashCommandBody({ command: '/release', text, userId, responseUrl: `${slack.url}/response/bench` }),
      ),
    click: (actionId, value, userId) =>
      post(
        interactiveBody(
          blockActionsPayload({ actionId, value, userId, responseUrl: `${slack.url}/response/bench` }),
        ),
      ),
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
      await postgres?.stop();
    },
  };
}

/** The store the benchmarks run the bot on: `sqlite` (the default) or `postgres` (BENCH_STORE). */
export function benchStore(): 'sqlite' | 'postgres' {
  return process.env.BENCH_STORE === 'postgres' ? 'postgres' : 'sqlite';
}
