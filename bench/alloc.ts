import { SlackStandIn } from '../test/support/slack-stand-in.js';
import { inspectorSession, mixSender, startInspected } from './inspected.js';
import { envNumber, fireAtRate } from './stats.js';

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

/**
 * Bytes allocated per request (including what scavenges collect: that is what makes them frequent and
 * their pauses the ack tail) for each kind of request in the sweep's mix, with the frames that allocate
 * most; the bare Bolt floor beside it. V8's sampling heap profiler, `BENCH_ALLOC_REQUESTS` (2,000) requests at
 * 500/s for each kind; `BENCH_ALLOC_FRAMES` (3) frames each.
 */
export async function benchAlloc(): Promise<void> {
  const requests = envNumber('BENCH_ALLOC_REQUESTS', 2000);
  console.log(`\n## allocation per request (${requests} requests at 500/s per kind)`);
  const slack = await new SlackStandIn().start();
  // BENCH_ENTRY=src/main.ts names the frames by source line (the bundles' lines are coarse).
  const entry = process.env.BENCH_ENTRY ?? 'dist/main.js';
  console.log(`release-bot (${entry}):`);
  await measure(entry, slack, requests, ['help', 'status', 'list', 'log 2.4', 'button'], true);
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
  const bot = await startInspected(script, slack);
  const send = mixSender(bot.port, slack);
  if (withRelease) {
    await send('create 2.4');
    await send('freeze 2.4');
  }
  const inspector = await inspectorSession(bot.inspector);
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
      .slice(0, envNumber('BENCH_ALLOC_FRAMES', 3))
      .map(([frame, bytes]) => `${kb(bytes)} ${frame}`);
    console.log(`  ${kind.padEnd(8)}: ${kb(total)} a request; most from ${top.join(' · ')}`);
  }
  inspector.close();
  await bot.stop();
}
