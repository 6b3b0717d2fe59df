import { SlackStandIn } from '../test/support/slack-stand-in.js';
import { benchStore, startServerProcess, type ServerProcess } from './bot-process.js';
import { envNumber, fireAtRate, ms, summarize, type LatencySummary } from './stats.js';

async function measure(server: ServerProcess, rate: number, seconds: number): Promise<LatencySummary> {
  const latencies = await fireAtRate(rate, seconds, async () => {
    const status = await server.command('status');
    if (status !== 200) throw new Error(`ack answered ${status}`);
  });
  return summarize(latencies);
}

export async function benchSlackAck(): Promise<void> {
  const rate = envNumber('BENCH_RATE', 200);
  const seconds = envNumber('BENCH_SECONDS', 10);
  console.log(
    `\n## /release status ack latency on ${benchStore()} (${rate}/s for ${seconds} s; app in its own process)`,
  );
  const slack = await new SlackStandIn().start();
  const bot = await startServerProcess('src/main.ts', slack);
  await bot.command('create 2.4');
  await measure(bot, rate, 1);
  const ours = await measure(bot, rate, seconds);
  await bot.stop();
  const bare = await startServerProcess('bench/bare-bolt.ts', slack);
  await measure(bare, rate, 1);
  const floor = await measure(bare, rate, seconds);
  await bare.stop();
  await slack.stop();
  console.log(`release-bot : n=${ours.count} p50 ${ms(ours.p50)} p99 ${ms(ours.p99)} max ${ms(ours.max)}`);
  console.log(
    `bare Bolt   : n=${floor.count} p50 ${ms(floor.p50)} p99 ${ms(floor.p99)} max ${ms(floor.max)}`,
  );
  console.log(`p99 ratio   : ${(ours.p99 / floor.p99).toFixed(2)}x (goal ≤ 1.5x and p99 ≤ 25 ms)`);
}
