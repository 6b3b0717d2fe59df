import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startPostgres } from '../test/support/postgres.js';
import { DEFAULT_QA, MANAGER, SIGNING_SECRET } from '../test/support/bot-harness.js';
import { ActionIds } from '../src/slack/ids.js';
import {
  blockActionsPayload,
  interactiveBody,
  RELEASE_CHANNEL,
  slashCommandBody,
} from '../test/support/slack-payloads.js';
import { slackSignatureHeaders } from '../test/support/slack-signer.js';
import type { SlackStandIn } from '../test/support/slack-stand-in.js';

/**
 * Node's arguments for a benchmarked app: `BENCH_NODE_FLAGS` (for example --trace-gc), then `extra`, then
 * the script. Compiled JavaScript (dist/, after `npm run build`) runs as in production; TypeScript goes
 * through tsx.
 */
export function benchNodeArgs(script: string, extra: string[] = []): string[] {
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  return [...flags, ...extra, ...loader, script];
}

/** The environment every benchmarked process starts with: the Slack stand-in, a fresh database, loopback. */
export function benchProcessEnv(slack: SlackStandIn, databasePath: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    RELEASE_CHANNEL,
    RELEASE_MANAGERS: MANAGER,
    DATABASE_PATH: databasePath,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  };
}

export interface InspectedProcess {
  pid: number;
  port: number;
  /** The inspector's WebSocket URL. */
  inspector: string;
  stop(): Promise<void>;
}

/**
 * The bot (`dist/main.js`, as production runs it) or the bare Bolt floor (`.ts` through tsx) with the
 * inspector on, for what only the process itself can tell: its heap, what it allocates. `BENCH_NODE_FLAGS`
 * adds Node flags.
 */
export async function startInspected(
  script: string,
  slack: SlackStandIn,
  env: Record<string, string> = {},
): Promise<InspectedProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'release-bot-inspected-'));
  // BENCH_STORE=postgres: the bot on a real PostgreSQL server of its own (whose memory is not the bot's).
  const postgres =
    process.env.BENCH_STORE === 'postgres' && !script.includes('bare-bolt')
      ? await startPostgres()
      : undefined;
  if (postgres) env = { DATABASE_URL: postgres.url, ...env };
  const child = spawn(process.execPath, benchNodeArgs(script, ['--inspect=127.0.0.1:0']), {
    env: {
      ...benchProcessEnv(slack, join(dir, 'bench.sqlite')),
      SIGNOFF_ROLES: `qa=${DEFAULT_QA}`,
      ...(process.env.MALLOC_ARENA_MAX ? { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let inspector = '';
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stderr.on('data', (d: Buffer) => {
      inspector ||= /ws:\/\/\S+/.exec(d.toString())?.[0] ?? '';
    });
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /"port":(\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}: ${out.slice(-500)}`)));
  });
  child.stdout.resume();
  return {
    pid: child.pid!,
    port,
    inspector,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await postgres?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Calls over a process's inspector protocol. */
export async function inspectorSession(url: string) {
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  let id = 0;
  return {
    call<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}): Promise<T> {
      const mine = ++id;
      return new Promise<T>((resolve) => {
        const onMessage = (data: Buffer) => {
          const message = JSON.parse(data.toString()) as { id?: number; result?: T };
          if (message.id !== mine) return;
          socket.off('message', onMessage);
          resolve(message.result as T);
        };
        socket.on('message', onMessage);
        socket.send(JSON.stringify({ id: mine, method, params }));
      });
    },
    close: () => socket.close(),
  };
}

/**
 * Sends one request of the benchmarks' mix to a process, signed as Slack signs it: `button` is an Approve
 * press by the QA member (a stored vote, then "already approved"); anything else is `/release <kind>` by the
 * manager.
 */
export function mixSender(port: number, slack: SlackStandIn): (kind: string) => Promise<void> {
  const url = `http://127.0.0.1:${port}/slack/events`;
  const responseUrl = `${slack.url}/response/bench`;
  const post = (body: string) =>
    fetch(url, { method: 'POST', body, headers: slackSignatureHeaders(SIGNING_SECRET, body) }).then(
      (r) => void r.arrayBuffer(),
    );
  return (kind) =>
    kind === 'button'
      ? post(
          interactiveBody(
            blockActionsPayload({
              actionId: ActionIds.approve,
              value: '1:1',
              userId: DEFAULT_QA,
              responseUrl,
            }),
          ),
        )
      : post(slashCommandBody({ command: '/release', text: kind, userId: MANAGER, responseUrl }));
}
