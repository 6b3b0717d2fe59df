import { benchAlloc } from './alloc.js';
import { benchDevenv } from './devenv.js';
import { benchClusterFreeze } from './cluster-freeze.js';
import { benchGate } from './gate.js';
import { benchHistory } from './history.js';
import { benchJiraScope } from './jira-scope.js';
import { benchSignoffStorm } from './signoff-storm.js';
import { benchSlackAck } from './slack-ack.js';
import { benchAckSweep, benchMemory } from './ack-sweep.js';
import { benchGateWhileSlackHangs, benchOutboxStorm, benchShipWhileJiraDown } from './slack-outage.js';

/** `npm run bench [section…]`: every section by default. Figures only: nothing here fails on timing. */
const sections: Record<string, () => Promise<void>> = {
  ack: benchSlackAck,
  sweep: benchAckSweep,
  memory: benchMemory,
  alloc: benchAlloc,
  signoff: benchSignoffStorm,
  jira: benchJiraScope,
  gate: benchGate,
  history: benchHistory,
  devenv: benchDevenv,
  'cluster-freeze': benchClusterFreeze,
  'gate-slack-down': benchGateWhileSlackHangs,
  'ship-jira-down': benchShipWhileJiraDown,
  outbox: benchOutboxStorm,
  // The same on PostgreSQL (BENCH_STORE=postgres runs any section there).
  'ack-postgres': onPostgres(benchSlackAck),
  'gate-postgres': onPostgres(benchGate),
  'memory-postgres': onPostgres(benchMemory),
};

function onPostgres(run: () => Promise<void>): () => Promise<void> {
  return async () => {
    const before = process.env.BENCH_STORE;
    process.env.BENCH_STORE = 'postgres';
    try {
      await run();
    } finally {
      if (before === undefined) delete process.env.BENCH_STORE;
      else process.env.BENCH_STORE = before;
    }
  };
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !(w in sections));
if (unknown.length > 0) {
  console.error(
    `unknown bench section(s): ${unknown.join(', ')}; choose from ${Object.keys(sections).join(', ')}`,
  );
  process.exit(2);
}
for (const [name, run] of Object.entries(sections)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  await run();
}
process.exit(0);
