import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../../src/db/database.js';
import { dueHeads } from '../../../src/db/outbox.js';
import { findRelease, insertRelease } from '../../../src/db/releases.js';
import { upsertRole } from '../../../src/db/roles.js';
import { parseWorkingHours } from '../../../src/domain/calendar.js';
import { createLogger } from '../../../src/logger.js';
import { OutboxRelay } from '../../../src/outbox/relay.js';
import { AccessControl } from '../../../src/use-cases/access.js';
import { observeWorkload } from '../../../src/use-cases/candidate.js';
import { checkGate } from '../../../src/use-cases/check-gate.js';
import { loadHome } from '../../../src/use-cases/home.js';
import { runDueSchedule } from '../../../src/use-cases/release-calendar.js';
import { freezeSpec, transitionRelease } from '../../../src/use-cases/release-lifecycle.js';
import { lateChangesOf } from '../../../src/use-cases/release-notes.js';
import { loadReleaseView } from '../../../src/use-cases/release-view.js';
import { recordVote } from '../../../src/use-cases/signoff.js';
import { auditPage } from '../../../src/use-cases/release-view.js';

/**
 * Tables that grow with every pipeline run, vote or notice: never read by a full scan. `releases` (a few a
 * month) and `devenvs` (rows are deleted when reaped; at most DEVENV_MAX_TOTAL live) stay small.
 */
const GROWING = [
  'audit_events',
  'gate_checks',
  'outbox',
  'votes',
  'schedule_runs',
  'freeze_exceptions',
  'candidate_workloads',
  'admitted_images',
];

/**
 * Every statement the hot paths run (gate, vote, status, Home, scheduler pass, outbox heads, the watch,
 * an audit page) is captured as SQLite ran it, then explained. A full scan of a growing table fails here,
 * long before five years of history make it slow.
 */
describe('query plans of the hot paths', () => {
  let store: OpenDatabase;
  const statements = new Map<string, string>();
  let capturing: string | undefined;

  beforeAll(async () => {
    store = openDatabase(':memory:', {
      trace: (sql) => {
        if (capturing && /^\s*(SELECT|UPDATE|DELETE|WITH)/i.test(sql)) statements.set(sql, capturing);
      },
    });
    const at = new Date('2026-11-30T10:00:00Z');
    const clock = { now: () => at };
    const logger = createLogger('silent');
    const outbox = new OutboxRelay(store.store, () => ({}) as never, logger, { mayRun: () => false });
    const access = new AccessControl(
      { everyone: false, ids: ['UMANAGER1'] },
      { membersOf: () => Promise.resolve([]) },
    );
    const calendar = { zone: 'UTC', defaultTime: { hour: 9, minute: 0 } };
    const deps = { store: store.store, clock, access, outbox, calendar, logger };
    await store.store.transaction(async (tx) => {
      await upsertRole(tx, { name: 'qa', members: ['UQA00001'], quorum: 1 }, 'test', at);
      await insertRelease(tx, { version: '2.4', freezeAt: null, shipAt: null, createdBy: 'U1', at });
      await insertRelease(tx, {
        version: '2.5',
        freezeAt: new Date('2026-12-10T09:00:00Z'),
        shipAt: null,
        createdBy: 'U1',
        at,
      });
    });
    await transitionRelease(
      deps,
      { userId: 'UMANAGER1' },
      '2.4',
      freezeSpec({ userId: 'UMANAGER1' }, undefined, { workloads: [] }),
    );
    const release = (await findRelease(store.store, '2.4'))!;

    const run = async (path: string, work: () => unknown) => {
      capturing = path;
      await work();
      capturing = undefined;
    };
    const gate = {
      store: store.store,
      clock,
      outbox,
      issues: undefined,
      logger,
      settings: {
        fixTypes: ['Bug'],
        environments: ['preprod'],
        failOpen: true,
        issueCacheSeconds: 30,
        versionNameTemplate: '{version}',
        jiraBudgetMs: 100,
      },
    };
    await run('gate', () =>
      checkGate(gate, {
        service: 'blog',
        environment: 'preprod',
        issues: ['BLOG-1'],
        commit: 'abc1',
        images: ['reg/blog:2'],
      }),
    );
    await run('gate (repeated)', () =>
      checkGate(gate, { service: 'blog', environment: 'preprod', issues: ['BLOG-1'], commit: 'abc1' }),
    );
    const current = (await findRelease(store.store, '2.4'))!;
    await run('vote', () =>
      recordVote(
        deps,
        { userId: 'UQA00001' },
        { releaseId: current.id, revision: current.revision, decision: 'approve' },
      ),
    );
    await run('status', async () => {
      const view = await loadReleaseView(store.store, release.id);
      return lateChangesOf(store.store, view.release, ['preprod']);
    });
    await run('home', () =>
      loadHome({ store: store.store, clock, access, gatedEnvironments: ['preprod'] }, 'UQA00001'),
    );
    await run('scheduler pass', () =>
      runDueSchedule({
        ...deps,
        groups: { membersOf: () => Promise.resolve([]) },
        managerPrincipals: ['UMANAGER1'],
        schedule: {
          freezeReminderMs: 24 * 3600_000,
          signoffReminderMs: 24 * 3600_000,
          shipReminderMs: 4 * 3600_000,
          workingHours: parseWorkingHours('00:00-23:59 Mon-Sun', 'UTC')!,
        },
      }),
    );
    await run('outbox heads', () => dueHeads(store.store, at, 16, []));
    await run('watch', () =>
      observeWorkload(
        { store: store.store, clock, outbox, logger },
        {
          namespace: 'preprod',
          kind: 'Deployment',
          name: 'blog',
          service: 'blog',
          containers: [{ container: 'app', image: 'reg/blog:2', init: false }],
          generation: 2,
          manager: 'ci',
        },
      ),
    );
    await run('audit page', () =>
      Promise.all([
        auditPage(store.store, '2.4', { page: 3 }, 20),
        auditPage(store.store, '2.4', { before: 5 }, 20),
      ]),
    );
  });
  afterAll(() => store.close());

  it('captured the statements of every hot path', () => {
    expect(new Set(statements.values())).toEqual(
      new Set([
        'gate',
        'gate (repeated)',
        'vote',
        'status',
        'home',
        'scheduler pass',
        'outbox heads',
        'watch',
        'audit page',
      ]),
    );
  });

  it('reads no growing table by a full scan', () => {
    const scans: string[] = [];
    for (const [sql, path] of statements) {
      for (const step of store.explain(sql)) {
        const table = /^SCAN (\w+)(?! USING)/.exec(step)?.[1];
        if (table && GROWING.includes(table) && !/USING (COVERING )?INDEX/.test(step))
          scans.push(`${path}: ${step}\n  ${sql.slice(0, 300)}`);
      }
    }
    expect(scans).toEqual([]);
  });
});
