import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { ActionIds } from '../src/slack/ids.js';
import { DEFAULT_QA, MANAGER, SIGNING_SECRET } from '../test/support/bot-harness.js';
import {
  blockActionsPayload,
  interactiveBody,
  RELEASE_CHANNEL,
  slashCommandBody,
} from '../test/support/slack-payloads.js';
import { slackSignatureHeaders } from '../test/support/slack-signer.js';
import { SlackStandIn } from '../test/support/slack-stand-in.js';
import { envNumber, fireAtRate } from './stats.js';

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

/** Calls over the inspector protocol of a child process. */
async function inspectorSession(url: string) {
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  let id = 0;
  return {
    call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
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
 * Bytes allocated per request (including what scavenges collect: that is what makes them frequent and
 * their pauses the ack tail) for each kind of request in the sweep's mix, with the frames that allocate
 * most; the bare Bolt floor beside it. V8's sampling heap profiler, `BENCH_ALLOC_REQUESTS` (2,000) requests at
 * 500/s for each kind.
 */
export async function benchAlloc(): Promise<void> {
  const requests = envNumber('BENCH_ALLOC_REQUESTS', 2000);
  console.log(`\n## allocation per request (${requests} requests at 500/s per kind)`);
  const slack = await new SlackStandIn().start();
  console.log('release-bot (dist/main.js):');
  await measure('dist/main.js', slack, requests, ['help', 'status', 'list', 'log 2.4', 'button'], true);
  console.log('bare Bolt (acks only):');
  await measure('bench/bare-bolt.ts', slack, requests, ['help', 'button'], false);
  await slack.stop();
}

async function measure(
  script: string,
  slack: SlackStandIn,
  requests: number,
  kinds: string[],
  withRelease: boolean,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'release-bot-alloc-'));
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, ['--inspect=127.0.0.1:0', ...loader, script], {
    env: {
      PATH: process.env.PATH ?? '',
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      RELEASE_CHANNEL,
      RELEASE_MANAGERS: MANAGER,
      SIGNOFF_ROLES: `qa=${DEFAULT_QA}`,
      DATABASE_PATH: join(dir, 'bench.sqlite'),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let inspectorUrl = '';
  const port = await new Promise<number>((resolve) => {
    let out = '';
    child.stderr.on('data', (d: Buffer) => (inspectorUrl ||= /ws:\/\/\S+/.exec(d.toString())?.[0] ?? ''));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /"port":(\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
  });
  child.stdout.resume();
  const url = `http://127.0.0.1:${port}/slack/events`;
  const post = (body: string) =>
    fetch(url, { method: 'POST', body, headers: slackSignatureHeaders(SIGNING_SECRET, body) }).then(
      (r) => void r.arrayBuffer(),
    );
  const responseUrl = `${slack.url}/response/alloc`;
  const send = (kind: string) =>
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
  if (withRelease) {
    await send('create 2.4');
    await send('freeze 2.4');
  }
  const inspector = await inspectorSession(inspectorUrl);
  for (const kind of kinds) {
    await fireAtRate(200, 1, () => send(kind));
    await inspector.call('HeapProfiler.startSampling', {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    await fireAtRate(500, requests / 500, () => send(kind));
    const { profile } = await inspector.call<{ profile: { head: SamplingNode } }>(
      'HeapProfiler.stopSampling',
    );
    const byFrame = new Map<string, number>();
    let total = 0;
    const walk = (node: SamplingNode) => {
      const { functionName, url: file, lineNumber } = node.callFrame;
      const frame = `${functionName || '(anonymous)'} ${file.replace(/.*\/(dist|node_modules)\//, '$1/')}:${lineNumber + 1}`;
      total += node.selfSize;
      byFrame.set(frame, (byFrame.get(frame) ?? 0) + node.selfSize);
      node.children.forEach(walk);
    };
    walk(profile.head);
    const kb = (bytes: number) => `${(bytes / requests / 1024).toFixed(1)} KB`;
    const top = [...byFrame]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([frame, bytes]) => `${kb(bytes)} ${frame}`);
    console.log(`  ${kind.padEnd(8)}: ${kb(total)} a request; most from ${top.join(' · ')}`);
  }
  inspector.close();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
