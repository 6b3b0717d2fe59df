import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type OpenDatabase } from '../src/db/database.js';
import { insertGateCheck } from '../src/db/gate.js';
import { insertOutboxRow, markDelivered } from '../src/db/outbox.js';
import { appendAudit, insertRelease, updateRelease } from '../src/db/releases.js';
import { homeView } from '../src/slack/blocks/home.js';
import { loadHome } from '../src/use-cases/home.js';
import { startTestCluster } from '../test/cluster/cluster.js';
import { startTestBot, type TestBot } from '../test/support/bot-harness.js';
import { sqliteTestDatabase } from '../test/support/test-database.js';
import { createService, freshNamespace, kubeConfig } from '../test/support/kube.js';
import { envNumber, ms, summarize, type LatencySummary } from './stats.js';

const GATE = 'history-gate-token';
const DAY = 24 * 3600_000;

interface HistoryShape {
  releases: number;
  services: number;
  gateChecks: number;
  auditRows: number;
  /** Audit rows of the one release whose export is streamed. */
  bigReleaseAuditRows: number;
  deliveredOutbox: number;
}

/**
 * Five years of history, written through the store's own functions: shipped releases with their audit
 * trails and gate decisions, delivered notices. Nothing here is an open release: both databases get the
 * same two open ones afterwards, so the figures compare the same work.
 */
async function seedHistory(store: OpenDatabase, shape: HistoryShape): Promise<void> {
  const start = Date.parse('2021-12-01T00:00:00Z');
  const spread = (i: number, n: number) => new Date(start + Math.floor((i / n) * 5 * 365 * DAY));
  const ids: number[] = [];
  await store.store.transaction(async (tx) => {
    for (let r = 0; r < shape.releases; r++) {
      const at = spread(r, shape.releases);
      const release = await insertRelease(tx, {
        version: `1.${r}`,
        freezeAt: null,
        shipAt: null,
        createdBy: 'U1',
        at,
      });
      await updateRelease(tx, release, { state: 'released', revision: 3, frozenAt: at, updatedAt: at });
      ids.push(release.id);
    }
  });
  const batch = 50_000;
  // On the connection itself (not the store's queue): the functions of src/db then run at once, inside
  // drizzle's synchronous transaction, which is what makes millions of rows take seconds.
  const inBatches = (total: number, write: (i: number) => Promise<unknown>) => {
    for (let from = 0; from < total; from += batch)
      store.db.transaction(() => {
        for (let i = from; i < Math.min(total, from + batch); i++) void write(i);
      });
  };
  const spreadAudit = shape.auditRows - shape.bigReleaseAuditRows;
  inBatches(shape.bigReleaseAuditRows, (i) =>
    appendAudit(store.db, {
      releaseId: ids[0]!,
      actor: 'gate',
      action: 'gate_refused',
      detail: `svc-${i % shape.services} preprod [BLOG-${i}] c${i}: 1.0 is frozen: BLOG-${i} is a Story, not a Bug`,
      at: spread(0, 1),
    }),
  );
  inBatches(spreadAudit, (i) =>
    appendAudit(store.db, {
      releaseId: ids[i % ids.length]!,
      actor: `U${String(i % 500).padStart(8, '0')}`,
      action: i % 3 ? 'gate_allowed' : 'vote_approved',
      detail: `revision 2, roles qa`,
      at: spread(i, spreadAudit),
    }),
  );
  inBatches(shape.gateChecks, (i) =>
    insertGateCheck(store.db, {
      releaseId: ids[i % ids.length]!,
      service: `svc-${i % shape.services}`,
      environment: 'preprod',
      issues: [`BLOG-${i}`],
      commitSha: `c${i}`,
      pipelineUrl: `https://ci.example.com/p/${i}`,
      allowed: i % 4 !== 0,
      reason: 'every issue is a fix for this release',
      changeKey: `commit:c${i}`,
      at: spread(i, shape.gateChecks),
    }),
  );
  inBatches(shape.deliveredOutbox, async (i) => {
    const at = spread(i, shape.deliveredOutbox);
    await insertOutboxRow(store.db, {
      stream: `release:${ids[i % ids.length]!}`,
      kind: 'vote_recorded',
      payload: { i },
      replyTo: null,
      at,
    });
  });
  // Delivered, and recently: retention would not have pruned them yet.
  await store.store.transaction(async () => {
    for (let id = 1; id <= shape.deliveredOutbox; id++) await markDelivered(store.store, id, new Date());
  });
}

/** One gate check as a pipeline sends it (a new commit each time, so every one is decided and recorded). */
function askGate(t: TestBot, commit: string): Promise<ArrayBuffer> {
  return fetch(`${t.baseUrl}/api/v1/gate/check`, {
    method: 'POST',
    headers: { authorization: `Bearer ${GATE}`, 'content-type': 'application/json' },
    body: JSON.stringify({ service: 'blog-service', environment: 'preprod', issues: [], commit }),
  }).then((r) => r.arrayBuffer());
}

interface Figures {
  startupMs: number;
  status: LatencySummary;
  list: LatencySummary;
  home: LatencySummary;
  gate: LatencySummary;
  notes: LatencySummary;
  logFirst: LatencySummary;
  logLastPage: LatencySummary;
  logByNumber: LatencySummary;
  logDeep: LatencySummary;
  scheduler: LatencySummary;
  reconcile: LatencySummary;
}

async function timed(n: number, work: () => Promise<unknown>): Promise<LatencySummary> {
  for (let i = 0; i < Math.min(20, n); i++) await work();
  const latencies: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await work();
    latencies.push(performance.now() - started);
  }
  return summarize(latencies);
}

/** The log commands measured: on the empty database, 2.4's short log; on history, the 1,000,000-row one. */
interface LogCommands {
  lastPage: string;
  deep: string;
  byNumber: string;
}

/** Live environments each run routes on the real API server, so a reconcile pass lists and compares. */
const LIVE_ENVS = 20;

async function measure(
  databasePath: string,
  rounds: number,
  log: LogCommands,
  kubeconfigPath: string,
): Promise<{ t: TestBot; figures: Figures }> {
  const kc = kubeConfig(kubeconfigPath);
  const ns = await freshNamespace(kc, 'history');
  for (const service of ['blog-service', 'tag-service']) await createService(kc, ns, service);
  const started = performance.now();
  const t = await startTestBot(
    {
      GATE_API_TOKEN: GATE,
      GATE_FAIL_OPEN: 'true',
      SIGNOFF_ROLES: 'qa=UQA00001',
      KUBECONFIG: kubeconfigPath,
      DEVENV_PREPROD_NAMESPACE: ns,
      LEADER_ELECTION: 'off',
      DEVENV_MAX_PER_USER: String(LIVE_ENVS),
    },
    { database: sqliteTestDatabase(databasePath), scheduler: 'manual', upkeep: 'manual' },
  );
  const startupMs = performance.now() - started;
  const services = t.bot.services;
  for (let i = 0; i < LIVE_ENVS; i++) {
    await t.command('/devenv', `blog-service tag-service name=h${i}`, 'UBENCH0001');
  }
  await t.command('/release', 'create 2.4');
  await t.command('/release', 'create 2.5 freeze=2030-01-01');
  await t.command('/release', 'freeze 2.4');
  const get = (path: string) =>
    fetch(`${t.baseUrl}${path}`, { headers: { authorization: `Bearer ${GATE}` } }).then((r) =>
      r.arrayBuffer(),
    );
  let commit = 0;
  const gate = () => askGate(t, `x${commit++}`);
  return {
    t,
    figures: {
      startupMs,
      status: await timed(rounds, () => t.command('/release', 'status 2.4')),
      list: await timed(rounds, () => t.command('/release', 'list')),
      home: await timed(rounds, async () =>
        homeView(await loadHome({ ...services, gatedEnvironments: ['preprod'] }, 'UQA00001')),
      ),
      gate: await timed(rounds, gate),
      notes: await timed(rounds, () => get('/api/v1/releases/2.4/notes.md')),
      logFirst: await timed(rounds, () => t.command('/release', 'log 2.4')),
      logLastPage: await timed(rounds, () => t.command('/release', log.lastPage)),
      logDeep: await timed(rounds, () => t.command('/release', log.deep)),
      logByNumber: await timed(rounds, () => t.command('/release', log.byNumber)),
      scheduler: await timed(rounds, () => services.scheduler.runOnce()),
      reconcile: await timed(rounds, () => services.upkeep.reconcileNow()),
    },
  };
}

/** Streams the 1,000,000-row audit.csv while a pipeline asks the gate every 10 ms. */
async function exportWhileGating(t: TestBot): Promise<string> {
  global.gc?.();
  const lag = monitorEventLoopDelay({ resolution: 5 });
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 20);
  lag.enable();
  let exporting = true;
  const gateLatencies: number[] = [];
  const gating = (async () => {
    for (let i = 0; exporting; i++) {
      const sent = performance.now();
      await askGate(t, `e${i}`);
      gateLatencies.push(performance.now() - sent);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const started = performance.now();
  const res = await fetch(`${t.baseUrl}/api/v1/releases/1.0/audit.csv`, {
    headers: { authorization: `Bearer ${GATE}` },
  });
  let bytes = 0;
  let firstByteMs = 0;
  for await (const chunk of res.body!) {
    if (bytes === 0) firstByteMs = performance.now() - started;
    bytes += (chunk as Uint8Array).length;
  }
  const exportMs = performance.now() - started;
  exporting = false;
  await gating;
  lag.disable();
  clearInterval(sampler);
  const gate = summarize(gateLatencies);
  return (
    `audit.csv of 1,000,000 rows: ${(bytes / 1e6).toFixed(0)} MB in ${ms(exportMs)} (first byte after ${ms(firstByteMs)}); ` +
    `RSS +${((rssPeak - rssBefore) / 1e6).toFixed(1)} MB at most; longest event-loop stall ${ms(lag.max / 1e6)}; ` +
    `${gate.count} gate checks meanwhile: p50 ${ms(gate.p50)}, p99 ${ms(gate.p99)}`
  );
}

export async function benchHistory(): Promise<void> {
  const rounds = envNumber('BENCH_ROUNDS', 200);
  const shape: HistoryShape = {
    releases: 260,
    services: 50,
    gateChecks: envNumber('BENCH_GATE_CHECKS', 200_000),
    auditRows: envNumber('BENCH_AUDIT_ROWS', 2_000_000),
    bigReleaseAuditRows: envNumber('BENCH_BIG_RELEASE_ROWS', 1_000_000),
    deliveredOutbox: envNumber('BENCH_OUTBOX_ROWS', 100_000),
  };
  console.log(
    `\n## five years of history: ${shape.releases} releases, ${shape.gateChecks} gate checks, ${shape.auditRows} audit rows (${shape.bigReleaseAuditRows} in one release), ${shape.deliveredOutbox} delivered notices`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'release-bot-history-'));
  const cluster = await startTestCluster();
  try {
    const emptyPath = join(dir, 'empty.sqlite');
    const historyPath = join(dir, 'history.sqlite');
    openDatabase(emptyPath).close();
    const seeding = performance.now();
    const store = openDatabase(historyPath);
    await seedHistory(store, shape);
    store.close();
    console.log(
      `seeded in ${((performance.now() - seeding) / 1000).toFixed(1)} s; database ${(statSync(historyPath).size / 1e6).toFixed(0)} MB`,
    );

    const empty = await measure(
      emptyPath,
      rounds,
      {
        lastPage: 'log 2.4 oldest',
        deep: 'log 2.4',
        byNumber: 'log 2.4 page=1',
      },
      cluster.main.kubeconfigPath,
    );
    await empty.t.stop();
    const history = await measure(
      historyPath,
      rounds,
      {
        lastPage: 'log 1.0 oldest',
        deep: `log 1.0 before=${Math.floor(shape.bigReleaseAuditRows / 2)}`,
        byNumber: `log 1.0 page=${Math.ceil(shape.bigReleaseAuditRows / 20)}`,
      },
      cluster.main.kubeconfigPath,
    );
    const rows: [string, (f: Figures) => LatencySummary][] = [
      ['/release status', (f) => f.status],
      ['/release list', (f) => f.list],
      ['Home view build', (f) => f.home],
      ['gate check', (f) => f.gate],
      ['notes.md', (f) => f.notes],
      ['/release log, first page', (f) => f.logFirst],
      ['/release log, oldest page (1,000,000-row log)', (f) => f.logLastPage],
      ['/release log, middle page by cursor (1,000,000-row log)', (f) => f.logDeep],
      ['/release log, last page by number (1,000,000-row log: exact count)', (f) => f.logByNumber],
      ['scheduler pass', (f) => f.scheduler],
      [`reconcile pass (${LIVE_ENVS} live environments, real API server)`, (f) => f.reconcile],
    ];
    console.log('| path | empty p50 / p99 | history p50 / p99 | p99 ratio |');
    console.log('| --- | --- | --- | --- |');
    for (const [name, pick] of rows) {
      const a = pick(empty.figures);
      const b = pick(history.figures);
      console.log(
        `| ${name} | ${ms(a.p50)} / ${ms(a.p99)} | ${ms(b.p50)} / ${ms(b.p99)} | ${(b.p99 / a.p99).toFixed(2)}× |`,
      );
    }
    console.log(`start-up: empty ${ms(empty.figures.startupMs)}, history ${ms(history.figures.startupMs)}`);
    await history.t.stop();
    // The export on a bot of its own, as at the first run of this bench: the rounds above leave garbage and
    // cluster clients behind whose growth is not the export's.
    const exporter = await startTestBot(
      { GATE_API_TOKEN: GATE, GATE_FAIL_OPEN: 'true', SIGNOFF_ROLES: 'qa=UQA00001' },
      { database: sqliteTestDatabase(historyPath), scheduler: 'manual', upkeep: 'manual' },
    );
    try {
      console.log(await exportWhileGating(exporter));
    } finally {
      await exporter.stop();
    }
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
