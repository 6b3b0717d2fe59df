import { ActionIds } from '../src/slack/ids.js';
import { queryRows } from '../test/support/db.js';
import { SlackStandIn } from '../test/support/slack-stand-in.js';
import { startServerProcess, type ServerProcess } from './bot-process.js';
import { envNumber, ms, summarize } from './stats.js';

export async function benchSignoffStorm(): Promise<void> {
  const voters = envNumber('BENCH_VOTERS', 50);
  console.log(`\n## sign-off storm: ${voters} simultaneous approvals (app in its own process)`);
  const ids = Array.from({ length: voters }, (_, i) => `UV${String(i).padStart(6, '0')}`);
  const slack = await new SlackStandIn().start();
  slack.userGroups.set('SSTORM01', ids);
  const bot = await startServerProcess('src/main.ts', slack, { SIGNOFF_ROLES: `qa=SSTORM01:${voters}` });
  // Warm-up on another release: the first vote loads code paths the storm should not pay for.
  await bot.command('create 2.9');
  await bot.command('freeze 2.9');
  await bot.command('create 3.0');
  await bot.command('freeze 3.0');
  const state = () => queryRows(bot.databasePath, "select id, state from releases where version = '3.0'")[0];
  await slack.waitFor(() => state()?.state === 'frozen');
  const warmup = queryRows(bot.databasePath, "select id from releases where version = '2.9'")[0]!
    .id as number;
  await storm(bot, ids, `${warmup}:1`);
  await slack.waitFor(
    () => queryRows(bot.databasePath, 'select count(*) n from votes')[0]?.n === voters,
    30_000,
  );
  const releaseId = state()!.id as number;
  const started = performance.now();
  const latencies = await storm(bot, ids, `${releaseId}:1`);
  await slack.waitFor(() => state()?.state === 'signed_off', 30_000);
  const settled = performance.now() - started;
  const stored = queryRows(
    bot.databasePath,
    'select count(*) n from votes where release_id = ?',
    releaseId,
  )[0]!.n as number;
  await new Promise((r) => setTimeout(r, 300));
  const updates = slack.callsOf('chat.update').length;
  await bot.stop();
  const bare = await startServerProcess('bench/bare-bolt.ts', slack);
  await storm(bare, ids, '1:1');
  const floor = summarize(await storm(bare, ids, '1:1'));
  await bare.stop();
  await slack.stop();
  const s = summarize(latencies);
  console.log(`release-bot : ack p50 ${ms(s.p50)} p99 ${ms(s.p99)} max ${ms(s.max)}`);
  console.log(
    `bare Bolt   : ack p50 ${ms(floor.p50)} p99 ${ms(floor.p99)} max ${ms(floor.max)} (same storm, only acks)`,
  );
  console.log(
    `stored votes: ${stored} of ${voters} ${stored === voters ? '(all)' : '(MISMATCH)'}; signed off after ${ms(settled)}; ${updates} chat.update calls (coalesced)`,
  );
}

/** Every voter presses Approve at the same moment; resolves to each press's ack latency. */
function storm(server: ServerProcess, voters: string[], value: string): Promise<number[]> {
  return Promise.all(
    voters.map(async (voter) => {
      const sent = performance.now();
      const status = await server.click(ActionIds.approve, value, voter);
      if (status !== 200) throw new Error(`ack answered ${status}`);
      return performance.now() - sent;
    }),
  );
}
