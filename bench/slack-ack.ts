import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver } from '@slack/bolt';
import { MANAGER, SIGNING_SECRET, startTestBot } from '../test/support/bot-harness.js';
import { slackSignatureHeaders } from '../test/support/slack-signer.js';
import { slashCommandBody } from '../test/support/slack-payloads.js';
import { SlackStandIn } from '../test/support/slack-stand-in.js';
import { envNumber, fireAtRate, ms, summarize, type LatencySummary } from './stats.js';

async function measure(
  url: string,
  responseUrl: string,
  rate: number,
  seconds: number,
): Promise<LatencySummary> {
  const latencies = await fireAtRate(rate, seconds, async () => {
    const body = slashCommandBody({ command: '/release', text: 'status', userId: MANAGER, responseUrl });
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers: slackSignatureHeaders(SIGNING_SECRET, body),
    });
    if (res.status !== 200) throw new Error(`ack answered ${res.status}`);
    await res.arrayBuffer();
  });
  return summarize(latencies);
}

/** The floor: a Bolt app on the same receiver that only acks. */
async function startBareBolt(slack: SlackStandIn): Promise<{ url: string; stop: () => Promise<void> }> {
  const receiver = new HTTPReceiver({ signingSecret: SIGNING_SECRET, endpoints: '/slack/events' });
  const app = new App({ token: 'xoxb-bench', receiver, clientOptions: { slackApiUrl: slack.apiUrl } });
  app.command('/release', async ({ ack }) => {
    await ack();
  });
  const server = await receiver.start({ port: 0, host: '127.0.0.1' });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`,
    stop: () => receiver.stop(),
  };
}

export async function benchSlackAck(): Promise<void> {
  const rate = envNumber('BENCH_RATE', 200);
  const seconds = envNumber('BENCH_SECONDS', 10);
  console.log(`\n## /release status ack latency (${rate}/s for ${seconds} s)`);
  const slack = await new SlackStandIn().start();
  const t = await startTestBot({}, { slack });
  await t.command('/release', 'create 2.4');
  const responseUrl = `${slack.url}/response/bench`;
  await measure(`${t.baseUrl}/slack/events`, responseUrl, rate, 1); // warm-up
  const bot = await measure(`${t.baseUrl}/slack/events`, responseUrl, rate, seconds);
  await t.stop();
  const bare = await startBareBolt(slack);
  await measure(bare.url, responseUrl, rate, 1);
  const floor = await measure(bare.url, responseUrl, rate, seconds);
  await bare.stop();
  await slack.stop();
  console.log(`release-bot : n=${bot.count} p50 ${ms(bot.p50)} p99 ${ms(bot.p99)} max ${ms(bot.max)}`);
  console.log(
    `bare Bolt   : n=${floor.count} p50 ${ms(floor.p50)} p99 ${ms(floor.p99)} max ${ms(floor.max)}`,
  );
  console.log(`p99 ratio   : ${(bot.p99 / floor.p99).toFixed(2)}x (goal ≤ 1.5x and p99 ≤ 25 ms)`);
}
