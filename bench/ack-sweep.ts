import { readFileSync } from 'node:fs';
import { ActionIds } from '../src/slack/ids.js';
import { DEFAULT_QA } from '../test/support/bot-harness.js';
import { SlackStandIn } from '../test/support/slack-stand-in.js';
import { JIRA_EMAIL, JIRA_TOKEN, JiraStandIn } from '../src/playground/jira-stand-in.js';
import { freshNamespace, kubeConfig } from '../test/support/kube.js';
import { startTestCluster } from '../test/cluster/cluster.js';
import { startServerProcess, type ServerProcess } from './bot-process.js';
import { inspectorSession, mixSender, startInspected } from './inspected.js';
import { envNumber, fireAtRate, ms, summarize } from './stats.js';

const MIX = (process.env.BENCH_MIX ?? 'status,list,log 2.4,help,button').split(',') as readonly string[];

/** One request of the mix: four read commands and an Approve press (a stored vote, then "already approved"). */
function mixed(server: ServerProcess, i: number): Promise<number> {
  const kind = MIX[i % MIX.length]!;
  return kind === 'button' ? server.click(ActionIds.approve, '1:1', DEFAULT_QA) : server.command(kind);
}

/** A process under the sweep: started, a release frozen (so the Approve press has a vote to store), warmed up. */
async function sweepTarget(script: string, slack: SlackStandIn): Promise<ServerProcess> {
  const server = await startServerProcess(script, slack, { SIGNOFF_ROLES: `qa=${DEFAULT_QA}` });
  await server.command('create 2.4');
  await server.command('freeze 2.4');
  await fireAtRate(200, 1, (i) => mixed(server, i).then(() => undefined));
  return server;
}

async function measureAt(server: ServerProcess, rate: number, seconds: number) {
  const latencies = await fireAtRate(rate, seconds, async (i) => {
    const status = await mixed(server, i);
    if (status !== 200) throw new Error(`answered ${status}`);
  });
  return summarize(latencies);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/**
 * Ack latency of a mix of commands and button presses at rising rates, the bot against bare Bolt. Both run
 * at once and take turns at each rate (bot, bare, bot, bare… for `BENCH_ROUNDS`), so the two p99s of a
 * round come from the same minute of a machine whose own noise moves bare Bolt's p99 by 2–4×.
 */
export async function benchAckSweep(): Promise<void> {
  const seconds = envNumber('BENCH_SECONDS', 10);
  const rounds = envNumber('BENCH_ROUNDS', 1);
  // A step up in rate brings a transient to both processes (the load generator opens more connections, V8
  // grows the young generation): each rate starts with BENCH_WARMUP_SECONDS (2) unmeasured, for both.
  const warmup = envNumber('BENCH_WARMUP_SECONDS', 2);
  const rates = (process.env.BENCH_RATES ?? '200,500,1000').split(',').map(Number);
  console.log(
    `\n## ack latency sweep (${rates.join(', ')}/s for ${seconds} s each after ${warmup} s unmeasured, ${rounds} round${rounds > 1 ? 's' : ''}, bot and bare Bolt in turns; ${MIX.join(', ')})`,
  );
  const slack = await new SlackStandIn().start();
  const ours = await sweepTarget(process.env.BENCH_ENTRY ?? 'dist/main.js', slack);
  const bare = await sweepTarget('bench/bare-bolt.ts', slack);
  const sustained = { ours: 0, bare: 0 };
  for (const rate of rates) {
    const ratios: number[] = [];
    const worst = { ours: 0, bare: 0 };
    await measureAt(ours, rate, warmup);
    await measureAt(bare, rate, warmup);
    for (let round = 1; round <= rounds; round++) {
      const o = await measureAt(ours, rate, seconds);
      const b = await measureAt(bare, rate, seconds);
      ratios.push(o.p99 / b.p99);
      worst.ours = Math.max(worst.ours, o.p99);
      worst.bare = Math.max(worst.bare, b.p99);
      console.log(
        `${String(rate).padStart(5)}/s${rounds > 1 ? ` #${round}` : ''} · release-bot p50 ${ms(o.p50)} p99 ${ms(o.p99)} · bare Bolt p50 ${ms(b.p50)} p99 ${ms(b.p99)} · ratio ${(o.p99 / b.p99).toFixed(2)}x`,
      );
    }
    if (worst.ours < 100) sustained.ours = rate;
    if (worst.bare < 100) sustained.bare = rate;
    if (rounds > 1) console.log(`${String(rate).padStart(5)}/s median ratio ${median(ratios).toFixed(2)}x`);
  }
  await ours.stop();
  await bare.stop();
  await slack.stop();
  console.log(
    `highest rate with p99 < 100 ms: release-bot ${sustained.ours}/s, bare Bolt ${sustained.bare}/s`,
  );
}

/** Heap after a forced GC, through the inspector protocol (no hook in the product). */
async function heapAfterGc(
  inspectorUrl: string,
): Promise<{ heapUsed: number; heapTotal: number; external: number; rss: number }> {
  const inspector = await inspectorSession(inspectorUrl);
  await inspector.call('HeapProfiler.collectGarbage');
  const result = await inspector.call<{ result: { value: string } }>('Runtime.evaluate', {
    expression: 'JSON.stringify(process.memoryUsage())',
    returnByValue: true,
  });
  inspector.close();
  return JSON.parse(result.result.value) as {
    heapUsed: number;
    heapTotal: number;
    external: number;
    rss: number;
  };
}

function rssOf(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;

/**
 * Idle RSS of the built bot without outside systems, with Jira, and with Jira and a real kube-apiserver
 * (Lease held, reconcile running); then, with both, after 10,000 mixed commands, with the heap after a
 * forced GC.
 */
export async function benchMemory(): Promise<void> {
  const total = envNumber('BENCH_COMMANDS', 10_000);
  console.log(
    `\n## memory: node dist/main.js idle, then after ${total} mixed commands (run npm run build first)`,
  );
  const slack = await new SlackStandIn().start();
  const jira = await new JiraStandIn().start();
  jira.addProject('BLOG', '2.4');
  const cluster = await startTestCluster();
  const jiraEnv = {
    JIRA_BASE_URL: jira.url,
    JIRA_EMAIL,
    JIRA_API_TOKEN: JIRA_TOKEN,
    JIRA_PROJECTS: 'BLOG',
  };
  const kc = kubeConfig(cluster.main.kubeconfigPath);
  const preprod = await freshNamespace(kc, 'preprod');
  const bothEnv = {
    ...jiraEnv,
    KUBECONFIG: cluster.main.kubeconfigPath,
    DEVENV_PREPROD_NAMESPACE: preprod,
  };
  // Idle RSS swings with how much start-up garbage V8 has yet to collect: BENCH_IDLE_RUNS (3) starts each.
  const runs = envNumber('BENCH_IDLE_RUNS', 3);
  const idleOf = async (env: Record<string, string>) => {
    const readings: number[] = [];
    for (let i = 0; i < runs; i++) {
      const bot = await startInspected('dist/main.js', slack, env);
      await new Promise((r) => setTimeout(r, 3000));
      readings.push(rssOf(bot.pid));
      await bot.stop();
    }
    return `${mb(Math.min(...readings))}–${mb(Math.max(...readings))}`;
  };
  const idleBare = await idleOf({});
  const idleJira = await idleOf(jiraEnv);
  const idleBoth = await idleOf(bothEnv);
  // BENCH_MEMORY_LOAD_WITH=none|jira|both (both): what the bot under load is connected to.
  const loadWith = process.env.BENCH_MEMORY_LOAD_WITH ?? 'both';
  const loadEnv = loadWith === 'none' ? {} : loadWith === 'jira' ? jiraEnv : bothEnv;
  const bot = await startInspected('dist/main.js', slack, loadEnv);
  const send = mixSender(bot.port, slack);
  await new Promise((r) => setTimeout(r, 3000));
  const idle = rssOf(bot.pid);
  const idleHeap = await heapAfterGc(bot.inspector);
  await send('create 2.4');
  await send('freeze 2.4');
  for (let i = 0; i < total; i += 50) {
    await Promise.all(Array.from({ length: 50 }, (_, j) => send(MIX[(i + j) % MIX.length]!)));
  }
  await new Promise((r) => setTimeout(r, 3000));
  const after = rssOf(bot.pid);
  // V8's memory reducer gives the load's garbage back once it sees a low allocation rate, without a forced
  // GC; it samples every 8 s and averages over its last samples, so that takes 10 s to a minute or more.
  // Poll until RSS is within 15% of idle, for at most BENCH_SETTLE_SECONDS (120).
  const settleSeconds = envNumber('BENCH_SETTLE_SECONDS', 120);
  let settled = after;
  let settledAfter = 3;
  while (settledAfter < settleSeconds && settled > idle * 1.15) {
    await new Promise((r) => setTimeout(r, 1000));
    settledAfter++;
    settled = rssOf(bot.pid);
  }
  const afterHeap = await heapAfterGc(bot.inspector);
  await bot.stop();
  await cluster.stop();
  await jira.stop();
  await slack.stop();
  console.log(
    `idle RSS 3 s after start (${runs} starts each): ${idleBare} without Jira and a cluster, ${idleJira} with Jira, ${idleBoth} with Jira and a kube-apiserver (goal ≤ 120 MB)`,
  );
  console.log(
    `load run with ${loadWith}: idle RSS ${mb(idle)}, heap after GC ${mb(idleHeap.heapUsed)} (V8 holds ${mb(idleHeap.heapTotal)}, external ${mb(idleHeap.external)})`,
  );
  console.log(
    `after ${total} commands: RSS ${mb(after)} (${(((after - idle) / idle) * 100).toFixed(1)}% over idle; goal ≤ 15%), ${settled <= idle * 1.15 ? `within 15% of idle ${settledAfter} s after the load` : `not within 15% of idle after ${settleSeconds} s`} (no forced GC): RSS ${mb(settled)} (${(((settled - idle) / idle) * 100).toFixed(1)}% over idle); heap after GC ${mb(afterHeap.heapUsed)} (V8 holds ${mb(afterHeap.heapTotal)}, external ${mb(afterHeap.external)}; RSS after that GC ${mb(afterHeap.rss)})`,
  );
}
