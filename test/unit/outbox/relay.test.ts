import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase, type OpenDatabase, type Store } from '../../../src/db/database.js';
import { raiseFence } from '../../../src/db/fencing.js';
import { claimRow } from '../../../src/db/outbox.js';
import { createLogger, type Logger } from '../../../src/logger.js';
import {
  OutboxRelay,
  streamOf,
  type DeliveryFailure,
  type DeliverySteps,
  type NoticeDeliverer,
  type RelaySettings,
} from '../../../src/outbox/relay.js';
import type { Notice } from '../../../src/use-cases/ports.js';

/**
 * The relay on a real migrated SQLite, with a deliverer that records what it was asked to do and fails as
 * each test scripts: the deliverer is the relay's port, so this exercises the relay alone.
 */
class ScriptedDeliverer implements NoticeDeliverer {
  readonly calls: { notice: Notice; stepsDone: number; memo: unknown }[] = [];
  readonly gaveUp: { kind: string; reason: string; replyTo: string | null }[] = [];
  /** What the next deliveries do, in order; once empty, deliveries succeed. */
  readonly script: ((notice: Notice, steps: DeliverySteps) => Promise<void>)[] = [];
  /** Telling the asker of a give-up takes until this settles (a slow Slack). */
  tellingGiveUp: Promise<void> = Promise.resolve();

  async deliver(notice: Notice, steps: DeliverySteps): Promise<void> {
    this.calls.push({ notice, stepsDone: steps.done, memo: steps.memo });
    const next = this.script.shift();
    if (next) await next(notice, steps);
  }

  classify(error: unknown): DeliveryFailure {
    return (
      (error as { failure?: DeliveryFailure }).failure ?? { kind: 'transient', reason: 'unexpected: boom' }
    );
  }

  deliveryFailed(notice: Notice, reason: string, replyTo: string | null): Promise<void> {
    this.gaveUp.push({ kind: notice.kind, reason, replyTo });
    return this.tellingGiveUp;
  }
}

/** A logger whose JSON lines the test reads, the way on-call reads them. */
function capturedLogs(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('info', sink), lines };
}

/** A call that never answers and gives up when its signal aborts, as the Slack client's calls do. */
function hangingCall(onAbort: () => void = () => undefined) {
  return (_notice: Notice, steps: DeliverySteps): Promise<void> =>
    new Promise((_resolve, reject) =>
      steps.signal.addEventListener('abort', () => {
        onAbort();
        reject(new Error('aborted'));
      }),
    );
}

/** The log holds exactly one line, with these fields. */
function expectOnlyLine(lines: Record<string, unknown>[], fields: Record<string, unknown>): void {
  expect(lines).toEqual([expect.objectContaining(fields)]);
}

function failing(failure: DeliveryFailure): () => Promise<void> {
  return () => Promise.reject(Object.assign(new Error(failure.reason), { failure }));
}

const expired = (owner: string, env = 'e1'): Notice => ({
  kind: 'devenv_expired',
  owner,
  env,
  services: ['blog'],
});
const unfrozen = (id: number, reason: string): Notice => ({
  kind: 'release_unfrozen',
  release: { id, version: `2.${id}`, revision: 1 },
  actor: 'U1',
  reason,
});

describe('the outbox relay', () => {
  let store: OpenDatabase;
  let deliverer: ScriptedDeliverer;
  /** Real time plus whatever a test skipped ahead: drain's deadlines are waited in real time. */
  let skipped: number;
  const now = () => Date.now() + skipped;
  const skip = (ms: number) => (skipped += ms);
  /** Drains what is due now; whatever stays pending waits 100 ms of real time at most. */
  const drain = (r: OutboxRelay) => r.drain(now() + 100);
  let settled: string[];
  const relays: OutboxRelay[] = [];

  const relay = (settings: Partial<RelaySettings> = {}, logger = createLogger('silent')) => {
    const r = new OutboxRelay(store.store, () => deliverer, logger, {
      now,
      random: () => 0.5,
      onSettled: (outcome) => settled.push(outcome),
      ...settings,
    });
    relays.push(r);
    return r;
  };
  const rows = () =>
    store.db.all<Record<string, unknown>>(
      sql.raw(
        'select id, stream, kind, state, attempts, steps_done, not_before, last_error, memo from outbox order by id',
      ),
    );
  const enqueue = (r: OutboxRelay, notice: Notice, replyTo?: string) =>
    store.store.transaction(async (tx) => r.enqueue(tx, notice, replyTo ? { replyTo } : {}));

  /** A step whose delivery a later leader fences out (epoch 4) just before the step records itself. */
  const fencedMidDelivery = async (_n: Notice, steps: DeliverySteps) => {
    await store.store.transaction(async (tx) => raiseFence(tx, 4, 'pod-b', new Date()));
    await steps.complete();
    return Promise.resolve();
  };

  beforeEach(() => {
    store = openDatabase(':memory:');
    deliverer = new ScriptedDeliverer();
    skipped = 0;
    settled = [];
  });
  afterEach(async () => {
    for (const r of relays.splice(0)) await r.stop();
    store.close();
  });

  it.each<[Notice, string]>([
    [expired('UANA'), 'user:UANA'],
    [{ kind: 'devenv_expiring', owner: 'UBO', env: 'e', expiresAt: '2026-01-01T00:00:00Z' }, 'user:UBO'],
    [{ kind: 'devenv_creation_interrupted', owner: 'UCY', env: 'e' }, 'user:UCY'],
    [
      {
        kind: 'signoff_reminder',
        release: { id: 3, version: '2.3', revision: 1 },
        user: 'UDI',
        roles: ['qa'],
        cause: 'manual',
        shipAt: null,
        roundAt: '2026-12-01T08:00:00.000Z',
      },
      'reminder:UDI:2026-12-01T08:00:00.000Z',
    ],
    [
      {
        kind: 'signoff_reminder',
        release: { id: 3, version: '2.3', revision: 1 },
        user: 'UDI',
        roles: ['qa'],
        cause: 'manual',
        shipAt: null,
      },
      'reminder:UDI:',
    ],
    [
      {
        kind: 'scheduled_freeze_failed',
        release: { id: 3, version: '2.3', revision: 1 },
        manager: 'UMA',
        dueAt: '',
        reason: '',
      },
      'user:UMA',
    ],
    [
      { kind: 'tracker_sync_requested', release: { id: 4, version: '2.4', revision: 1 }, actor: 'U1' },
      'tracker:4',
    ],
    [unfrozen(5, 'x'), 'release:5'],
  ])('orders %j in stream %s', (notice, stream) => {
    expect(streamOf(notice)).toBe(stream);
  });

  it('delivers each stream in order and settles every row, counting each as delivered', async () => {
    const r = relay();
    await enqueue(r, unfrozen(1, 'a'));
    await enqueue(r, unfrozen(1, 'b'));
    await enqueue(r, expired('UANA'));
    expect(await r.depth()).toBe(3);
    expect(await drain(r)).toBe(0);
    expect(
      deliverer.calls.map((c) => (c.notice.kind === 'release_unfrozen' ? c.notice.reason : c.notice.kind)),
    ).toEqual(['a', 'devenv_expired', 'b']);
    expect(rows().map((row) => [row.stream, row.state, row.attempts])).toEqual([
      ['release:1', 'delivered', 0],
      ['release:1', 'delivered', 0],
      ['user:UANA', 'delivered', 0],
    ]);
    expect(settled).toEqual(['delivered', 'delivered', 'delivered']);
    expect(await r.depth()).toBe(0);
  });

  it('retries a transient failure after a capped, jittered exponential backoff, resuming after the last step', async () => {
    const r = relay({ baseBackoffMs: 1_000, maxBackoffMs: 3_000 });
    deliverer.script.push(
      async (_n, steps) => {
        await steps.complete(undefined, { parts: 2 });
        return failing({ kind: 'transient', reason: 'slack:internal_error' })();
      },
      failing({ kind: 'transient', reason: 'slack:internal_error' }),
      failing({ kind: 'transient', reason: 'slack:internal_error' }),
    );
    await enqueue(r, unfrozen(1, 'a'));
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const before = now();
      await drain(r);
      const row = rows()[0]!;
      expect(row).toMatchObject({ state: 'pending', attempts: attempt, steps_done: 1 });
      delays.push(Math.round(((row.not_before as number) - before) / 250) * 250);
      skip((row.not_before as number) - now());
    }
    // 1 s × 2^(attempt-1), capped at 3 s, times the jitter (0.5 + 0.5 / 2).
    expect(delays).toEqual([750, 1_500, 2_250]);
    expect(rows()[0]!.last_error).toBe('slack:internal_error');
    expect(await drain(r)).toBe(0);
    // Every retry started after the step that went out, and saw what it remembered.
    expect(deliverer.calls.map((c) => [c.stepsDone, c.memo])).toEqual([
      [0, null],
      [1, { parts: 2 }],
      [1, { parts: 2 }],
      [1, { parts: 2 }],
    ]);
    expect(rows()[0]).toMatchObject({ state: 'delivered', last_error: null });
  });

  it('keeps what a step remembers without completing it', async () => {
    const r = relay();
    deliverer.script.push(async (_n, steps) => {
      await steps.remember({ split: true });
      return failing({ kind: 'transient', reason: 'slack:internal_error' })();
    });
    await enqueue(r, unfrozen(1, 'a'));
    await drain(r);
    expect(rows()[0]).toMatchObject({ steps_done: 0, memo: '{"split":true}' });
  });

  it('gives up at once on a permanent refusal, tells the asker, and goes on with the stream', async () => {
    const r = relay();
    deliverer.script.push(failing({ kind: 'permanent', reason: 'slack:channel_not_found' }));
    await enqueue(r, unfrozen(1, 'a'), 'https://hooks.slack.test/r1');
    await enqueue(r, unfrozen(1, 'b'));
    expect(await drain(r)).toBe(0);
    expect(rows().map((row) => [row.state, row.last_error])).toEqual([
      ['failed', 'slack:channel_not_found'],
      ['delivered', null],
    ]);
    expect(deliverer.gaveUp).toEqual([
      { kind: 'release_unfrozen', reason: 'slack:channel_not_found', replyTo: 'https://hooks.slack.test/r1' },
    ]);
    expect(settled).toEqual(['failed', 'delivered']);
  });

  it('gives up on a bug after maxUnexpectedAttempts, and on anything after maxAgeMs', async () => {
    const r = relay({ maxUnexpectedAttempts: 2, baseBackoffMs: 1_000, maxAgeMs: 60_000 });
    deliverer.script.push(
      failing({ kind: 'transient', reason: 'unexpected: boom' }),
      failing({ kind: 'transient', reason: 'unexpected: boom' }),
    );
    await enqueue(r, unfrozen(1, 'a'));
    await drain(r);
    expect(rows()[0]).toMatchObject({ state: 'pending', attempts: 1 });
    skip(1_000);
    await drain(r);
    expect(rows()[0]).toMatchObject({ state: 'failed', attempts: 1, last_error: 'unexpected: boom' });

    deliverer.script.push(failing({ kind: 'transient', reason: 'slack:unreachable' }));
    await enqueue(r, unfrozen(2, 'old'));
    skip(60_001);
    await drain(r);
    expect(rows()[1]).toMatchObject({ state: 'failed', last_error: 'slack:unreachable' });
    expect(deliverer.gaveUp.map((g) => g.reason)).toEqual(['unexpected: boom', 'slack:unreachable']);
  });

  it('pauses every stream for Retry-After when Slack rate-limits one, without counting a give-up', async () => {
    const r = relay();
    deliverer.script.push(
      failing({ kind: 'rate_limited', reason: 'slack:ratelimited', retryAfterMs: 5_000 }),
    );
    await enqueue(r, unfrozen(1, 'a'));
    await drain(r);
    await enqueue(r, expired('UANA'));
    // Another stream is due, but the whole relay waits: Slack's limits are per workspace.
    expect(await drain(r)).toBe(2);
    expect(deliverer.calls).toHaveLength(1);
    expect(rows()[0]).toMatchObject({ state: 'pending', attempts: 1 });
    expect((rows()[0]!.not_before as number) - now()).toBeGreaterThan(4_500);
    skip(5_000);
    expect(await drain(r)).toBe(0);
    expect(deliverer.calls.map((c) => c.notice.kind)).toEqual([
      'release_unfrozen',
      'release_unfrozen',
      'devenv_expired',
    ]);
    expect(settled).toEqual(['delivered', 'delivered']);
  });

  it('delivers nothing while it may not run (a standby), and nothing after stop', async () => {
    let active = false;
    const r = relay({ mayRun: () => active });
    await enqueue(r, unfrozen(1, 'a'));
    await new Promise((resolve) => setImmediate(resolve));
    r.wake();
    expect(deliverer.calls).toEqual([]);
    active = true;
    expect(await drain(r)).toBe(0);
    expect(deliverer.calls).toHaveLength(1);
    await r.stop();
    await enqueue(r, unfrozen(1, 'b'));
    // At once, not at the deadline: a stopped relay has nothing to wait for (the test times out otherwise).
    expect(await r.drain(now() + 60_000)).toBe(1);
    expect(deliverer.calls).toHaveLength(1);
  });

  it('tells a step whether a later pending notice of its stream will redo its work', async () => {
    const r = relay();
    const seen: boolean[] = [];
    deliverer.script.push(async (_n, steps) => {
      seen.push(await steps.supersededBy(['release_cancelled']), await steps.supersededBy(['vote_recorded']));
      return Promise.resolve();
    });
    await enqueue(r, unfrozen(1, 'a'));
    await store.store.transaction(async (tx) =>
      r.enqueue(tx, {
        kind: 'release_cancelled',
        release: { id: 1, version: '2.1', revision: 1 },
        actor: 'U1',
        reason: 'x',
      }),
    );
    await enqueue(r, unfrozen(2, 'other stream'));
    await drain(r);
    expect(seen).toEqual([true, false]);
  });

  it('wakes by itself: on enqueue after the commit, and at a retry’s due time', async () => {
    const r = relay({ baseBackoffMs: 100 });
    deliverer.script.push(failing({ kind: 'transient', reason: 'slack:unreachable' }));
    await enqueue(r, unfrozen(1, 'a'));
    // Nobody calls drain or wake: the enqueue itself and then the retry timer deliver it.
    await vi.waitFor(() => expect(rows()[0]).toMatchObject({ state: 'delivered', attempts: 1 }), {
      timeout: 2000,
    });
    expect(deliverer.calls).toHaveLength(2);
  });

  it('delivers at most `concurrency` streams at once', async () => {
    const r = relay({ concurrency: 2 });
    let running = 0;
    let most = 0;
    const hold = () => async () => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 20));
      running -= 1;
    };
    deliverer.script.push(hold(), hold(), hold(), hold());
    for (const owner of ['UA', 'UB', 'UC', 'UD']) await enqueue(r, expired(owner));
    expect(await r.drain(now() + 2000)).toBe(0);
    expect([deliverer.calls.length, most]).toEqual([4, 2]);
  });

  it('retries what is not a bug beyond maxUnexpectedAttempts', async () => {
    const r = relay({ maxUnexpectedAttempts: 1, baseBackoffMs: 1_000 });
    deliverer.script.push(
      failing({ kind: 'transient', reason: 'slack:unreachable' }),
      failing({ kind: 'transient', reason: 'slack:unreachable' }),
    );
    await enqueue(r, unfrozen(1, 'a'));
    await drain(r);
    skip(1_000);
    await drain(r);
    expect(rows()[0]).toMatchObject({ state: 'pending', attempts: 2 });
  });

  it('counts steps within one attempt and keeps the memo when a later step remembers nothing', async () => {
    const r = relay({ baseBackoffMs: 1_000 });
    const seen: unknown[] = [];
    deliverer.script.push(async (_n, steps) => {
      seen.push(steps.done);
      await steps.complete(undefined, { parts: 3 });
      seen.push(steps.done, steps.memo);
      await steps.complete();
      seen.push(steps.done, steps.memo);
      return failing({ kind: 'transient', reason: 'slack:unreachable' })();
    });
    await enqueue(r, unfrozen(1, 'a'));
    await drain(r);
    expect(seen).toEqual([0, 1, { parts: 3 }, 2, { parts: 3 }]);
    skip(1_000);
    await drain(r);
    expect(deliverer.calls.at(-1)).toMatchObject({ stepsDone: 2, memo: { parts: 3 } });
  });

  it('logs each retry, rate limit and give-up with the notice it concerns, for on-call', async () => {
    const { logger, lines } = capturedLogs();
    const r = relay({ baseBackoffMs: 1_000 }, logger);
    deliverer.script.push(
      failing({ kind: 'transient', reason: 'slack:unreachable' }),
      failing({ kind: 'rate_limited', reason: 'slack:ratelimited', retryAfterMs: 2_000 }),
      failing({ kind: 'permanent', reason: 'slack:is_archived' }),
    );
    await enqueue(r, unfrozen(1, 'a'));
    await drain(r);
    skip(1_000);
    await drain(r);
    skip(2_000);
    await drain(r);
    const context = { outboxId: 1, kind: 'release_unfrozen', stream: 'release:1' };
    expect(
      lines.map(({ msg, outboxId, kind, stream, attempts, reason, retryInMs, retryAfterMs }) => ({
        msg,
        outboxId,
        kind,
        stream,
        attempts,
        reason,
        retryInMs,
        retryAfterMs,
      })),
    ).toEqual([
      {
        msg: 'notice delivery failed; retrying',
        ...context,
        attempts: 1,
        reason: 'slack:unreachable',
        retryInMs: 750,
        retryAfterMs: undefined,
      },
      {
        msg: 'rate limited; the outbox waits',
        ...context,
        attempts: 2,
        reason: 'slack:ratelimited',
        retryInMs: undefined,
        retryAfterMs: 2_000,
      },
      {
        msg: 'notice given up on',
        ...context,
        attempts: 3,
        reason: 'slack:is_archived',
        retryInMs: undefined,
        retryAfterMs: undefined,
      },
    ]);
    expect(lines.map((l) => l.level)).toEqual([40, 40, 50]);
    expect((lines[2]!.err as { message: string }).message).toBe('slack:is_archived');
  });

  it('waits within drain for a retry that falls due before its deadline', async () => {
    const r = relay({ baseBackoffMs: 200 });
    deliverer.script.push(failing({ kind: 'transient', reason: 'slack:unreachable' }));
    await enqueue(r, unfrozen(1, 'a'));
    const started = Date.now();
    expect(await r.drain(now() + 5_000)).toBe(0);
    // The retry was due 150 ms after the failure (200 ms × the jitter), and drain waited for it, no longer.
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(deliverer.calls).toHaveLength(2);
  });

  it('pauses on a refused token instead of failing anything, says so, and delivers once resumed', async () => {
    const refused: string[] = [];
    const r = relay({ authPauseMs: 60_000, onAuthRefused: (reason) => refused.push(reason) });
    deliverer.script.push(failing({ kind: 'auth', reason: 'slack:token_revoked' }));
    await enqueue(r, unfrozen(1, 'a'));
    await enqueue(r, unfrozen(1, 'b'));
    await drain(r);
    expect(refused).toEqual(['slack:token_revoked']);
    // Another stream's notice waits too: every call would meet the same refused token.
    await enqueue(r, unfrozen(2, 'c'));
    await drain(r);
    expect(settled).toEqual([]);
    expect(rows().map((row) => [row.state, row.attempts])).toEqual([
      ['pending', 0],
      ['pending', 0],
      ['pending', 0],
    ]);
    expect(deliverer.calls).toHaveLength(1);
    r.resume();
    await drain(r);
    expect(rows().map((row) => row.state)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(deliverer.calls).toHaveLength(4);
  });
  it('defers a notice that may not go out yet without counting an attempt, and resumes it when told', async () => {
    const r = relay();
    const until = 3 * 3600_000;
    deliverer.script.push(failing({ kind: 'deferred', reason: 'outside working hours', delayMs: until }));
    await enqueue(r, expired('UANA'));
    const before = now();
    await drain(r);
    expect(settled).toEqual([]);
    const [row] = rows();
    expect([row!.state, row!.attempts, row!.last_error]).toEqual([
      'pending',
      0,
      'deferred: outside working hours',
    ]);
    expect(Number(row!.not_before) - before).toBeGreaterThanOrEqual(until);
    expect(Number(row!.not_before) - before).toBeLessThan(until + 1_000);
    // Nothing was sent, so the next delivery does not count as one after a delivery in doubt.
    expect(store.db.all(sql.raw('select claims from outbox'))).toEqual([{ claims: 0 }]);
    // A transient retry of another row is not touched by resumeDeferred: only rows deferred on purpose are.
    deliverer.script.push(failing({ kind: 'transient', reason: 'slack:unreachable' }));
    await enqueue(r, expired('UBO'));
    await drain(r);
    expect(await r.resumeDeferred()).toBe(1);
    await drain(r);
    expect(rows().map((x) => [x.stream, x.state])).toEqual([
      ['user:UANA', 'delivered'],
      ['user:UBO', 'pending'],
    ]);
    expect(deliverer.calls.map((c) => (c.notice as { owner: string }).owner)).toEqual([
      'UANA',
      'UBO',
      'UANA',
    ]);
  });

  it('delivers another stream’s notice while one stream waits on a slow Slack', async () => {
    let answer = () => undefined as void;
    deliverer.script.push(() => new Promise<void>((resolve) => (answer = resolve)));
    const r = relay();
    await enqueue(r, unfrozen(1, 'slow'));
    r.wake();
    await vi.waitFor(() => expect(deliverer.calls).toHaveLength(1));
    await enqueue(r, unfrozen(2, 'quick'));
    await vi.waitFor(() => expect(settled).toEqual(['delivered']), { timeout: 1_000 });
    expect(rows().map((row) => row.state)).toEqual(['pending', 'delivered']);
    answer();
    await vi.waitFor(() => expect(settled).toEqual(['delivered', 'delivered']));
  });

  describe('claims and fencing: one delivery of a row at a time, and none from a former leader', () => {
    it('leaves a row another instance claimed alone until the claim is older than the call deadline', async () => {
      let answer = () => undefined as void;
      deliverer.script.push(() => new Promise<void>((resolve) => (answer = resolve)));
      const first = relay({ identity: 'pod-a', claimTimeoutMs: 10_000 });
      await enqueue(first, expired('UANA'));
      first.wake();
      await vi.waitFor(() => expect(deliverer.calls).toHaveLength(1));
      const second = relay({ identity: 'pod-b', claimTimeoutMs: 10_000 });
      expect(await drain(second)).toBe(1);
      expect(deliverer.calls).toHaveLength(1);
      skip(10_001);
      expect(await drain(second)).toBe(0);
      expect(deliverer.calls).toHaveLength(2);
      answer();
      // The first delivery comes back after the takeover: its outcome is not recorded over the second's.
      await vi.waitFor(() => expect(rows()[0]).toMatchObject({ state: 'delivered' }));
      expect(settled).toEqual(['delivered']);
    });

    it('tells the step an earlier delivery started but never recorded that it is in doubt, and only that step', async () => {
      const seen: [number, boolean][] = [];
      const record = (_n: Notice, steps: DeliverySteps) => {
        seen.push([steps.done, steps.inDoubt]);
        return Promise.resolve();
      };
      deliverer.script.push(async (n, steps) => {
        await record(n, steps);
        await steps.complete();
        await record(n, steps);
        throw Object.assign(new Error('timeout'), {
          failure: { kind: 'transient', reason: 'slack:timeout' },
        });
      });
      deliverer.script.push(async (n, steps) => {
        await record(n, steps);
        await steps.complete();
        await record(n, steps);
      });
      const r = relay({ baseBackoffMs: 1 });
      await enqueue(r, expired('UANA'));
      await drain(r);
      skip(10);
      await drain(r);
      expect(seen).toEqual([
        [0, false],
        [1, false],
        [1, true],
        [2, false],
      ]);
    });

    it('refuses every write of a delivery once a later leader raised the fence', async () => {
      const r = relay({ identity: 'pod-a', epoch: () => 3 });
      deliverer.script.push(fencedMidDelivery);
      await enqueue(r, expired('UANA'));
      await drain(r);
      expect(rows()[0]).toMatchObject({ state: 'pending', steps_done: 0, attempts: 0 });
      expect(settled).toEqual([]);
    });

    it('lets a delivery in flight finish when it ends before the stop deadline', async () => {
      // A call that gives up when told to, as the Slack client's calls do.
      deliverer.script.push(
        (_n, steps) =>
          new Promise((resolve, reject) => {
            setTimeout(resolve, 150);
            steps.signal.addEventListener('abort', () => reject(new Error('aborted')));
          }),
      );
      const r = relay();
      await enqueue(r, expired('UANA'));
      await enqueue(r, expired('UANA', 'e2'));
      r.wake();
      await vi.waitFor(() => expect(deliverer.calls).toHaveLength(1));
      await r.stop(now() + 2_000);
      // Stopped while the call was in flight: it finished and was recorded before stop resolved, and the
      // stream's next notice, due all along, was not started after the stop.
      expect(rows().map((row) => row.state)).toEqual(['delivered', 'pending']);
      expect(deliverer.calls).toHaveLength(1);
      expect(settled).toEqual(['delivered']);
    });

    it('aborts a delivery still in flight at the stop deadline, and counts no failure', async () => {
      let aborted = false;
      deliverer.script.push(hangingCall(() => (aborted = true)));
      const r = relay();
      await enqueue(r, expired('UANA'));
      r.wake();
      await vi.waitFor(() => expect(deliverer.calls).toHaveLength(1));
      await r.stop(now() + 200);
      expect(aborted).toBe(true);
      expect(rows()[0]).toMatchObject({ state: 'pending', attempts: 0, last_error: null });
      expect(settled).toEqual([]);
    });

    it('aborts a delivery in flight when its term as leader ends, and counts no failure', async () => {
      const term = new AbortController();
      let aborted = false;
      deliverer.script.push(hangingCall(() => (aborted = true)));
      const r = relay({ term: () => term.signal });
      await enqueue(r, expired('UANA'));
      r.wake();
      await vi.waitFor(() => expect(deliverer.calls).toHaveLength(1));
      term.abort(new Error('no longer the leader'));
      await vi.waitFor(() => expect(aborted).toBe(true));
      await vi.waitFor(() =>
        expect(rows()[0]).toMatchObject({ state: 'pending', attempts: 0, last_error: null }),
      );
      expect(settled).toEqual([]);
      expect(deliverer.gaveUp).toEqual([]);
    });

    it('delivers the notices resumeDeferred made due without being asked to drain', async () => {
      deliverer.script.push(
        failing({ kind: 'deferred', reason: 'outside working hours', delayMs: 3_600_000 }),
      );
      const r = relay();
      await enqueue(r, expired('UANA'));
      await drain(r);
      expect(rows()[0]).toMatchObject({ state: 'pending' });
      // drain returns at its deadline while a pass may still run; let it end, so nothing else wakes the relay.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await r.resumeDeferred()).toBe(1);
      await vi.waitFor(() => expect(rows()[0]).toMatchObject({ state: 'delivered' }));
      expect(await r.resumeDeferred()).toBe(0);
    });

    it('gives its claims back when it stops, so the next holder delivers at once', async () => {
      deliverer.script.push(hangingCall());
      const first = relay({ identity: 'pod-a' });
      await enqueue(first, expired('UANA'));
      first.wake();
      await vi.waitFor(() => expect(deliverer.calls).toHaveLength(1));
      await first.stop(now() + 20);
      expect(rows()[0]).toMatchObject({ state: 'pending', attempts: 0 });
      const second = relay({ identity: 'pod-b' });
      expect(await drain(second)).toBe(0);
      expect(deliverer.calls).toHaveLength(2);
    });
  });

  describe('waiting: timers, not polling, and drain within its deadline', () => {
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    /** Counts how often a relay looks for work (every pass asks mayRun): a timer looks once, a poll often. */
    const lookCounter = () => {
      let looks = 0;
      return {
        mayRun: () => (looks += 1) > 0,
        /** Looks during 200 ms of quiet, once what was under way has settled. */
        async looksWhileIdle() {
          await pause(50);
          const before = looks;
          await pause(200);
          return looks - before;
        },
      };
    };

    it('sleeps in drain until a retry falls due, leaving the event loop free meanwhile', async () => {
      const r = relay({ baseBackoffMs: 400 });
      deliverer.script.push(failing({ kind: 'transient', reason: 'slack:unreachable' }));
      await enqueue(r, unfrozen(1, 'a'));
      const order: string[] = [];
      // Due long before the retry (300 ms): it fires during drain only if drain yields to the event loop.
      setTimeout(() => order.push('timer'), 50);
      expect(await r.drain(now() + 5_000)).toBe(0);
      order.push('drained');
      expect(order).toEqual(['timer', 'drained']);
      expect(deliverer.calls).toHaveLength(2);
    });

    it('returns from drain at once when a refused token pauses the outbox beyond its deadline', async () => {
      // A shutdown must not sit out its grace period for a pause that outlasts it (the test times out if so).
      const r = relay({ authPauseMs: 3_600_000 });
      deliverer.script.push(failing({ kind: 'auth', reason: 'slack:token_revoked' }));
      await enqueue(r, unfrozen(1, 'a'));
      expect(await r.drain(now() + 60_000)).toBe(1);
      expect(deliverer.calls).toHaveLength(1);
    });

    it('returns from drain at its deadline while a delivery hangs, leaving the notice pending', async () => {
      deliverer.script.push(hangingCall());
      const r = relay();
      await enqueue(r, unfrozen(1, 'a'));
      expect(await drain(r)).toBe(1);
      expect(rows()[0]).toMatchObject({ state: 'pending', attempts: 0 });
    });

    it('waits for a notice deferred for a month with one timer, not by polling', async () => {
      const probe = lookCounter();
      const r = relay({ mayRun: probe.mayRun });
      deliverer.script.push(
        failing({ kind: 'deferred', reason: 'outside working hours', delayMs: 30 * 86_400_000 }),
      );
      await enqueue(r, expired('UANA'));
      await vi.waitFor(() =>
        expect(rows()[0]).toMatchObject({ last_error: 'deferred: outside working hours' }),
      );
      // Beyond setTimeout's 2^31 - 1 ms, Node fires after 1 ms: the relay caps the delay instead.
      expect(await probe.looksWhileIdle()).toBe(0);
      expect(deliverer.calls).toHaveLength(1);
    });

    it('waits for a row another instance holds until its claim ages out, with one timer', async () => {
      const held = relay({ identity: 'pod-a' });
      deliverer.script.push(hangingCall());
      await enqueue(held, expired('UANA'));
      await vi.waitFor(() => expect(deliverer.calls).toHaveLength(1));
      const probe = lookCounter();
      const standby = relay({ identity: 'pod-b', claimTimeoutMs: 60_000, mayRun: probe.mayRun });
      standby.wake();
      expect(await probe.looksWhileIdle()).toBe(0);
      expect(deliverer.calls).toHaveLength(1);
    });

    it('still starts another stream’s notice after a wake that found nothing new', async () => {
      let answer = () => undefined as void;
      deliverer.script.push(() => new Promise<void>((resolve) => (answer = resolve)));
      const r = relay();
      await enqueue(r, unfrozen(1, 'slow'));
      r.wake();
      await vi.waitFor(() => expect(deliverer.calls).toHaveLength(1));
      // A wake with nothing new (a timer, resumeDeferred): the pump looks, finds no head, and keeps listening.
      r.wake();
      await new Promise((resolve) => setImmediate(resolve));
      await enqueue(r, unfrozen(2, 'quick'));
      await vi.waitFor(() => expect(rows().map((row) => row.state)).toEqual(['pending', 'delivered']), {
        timeout: 1_000,
      });
      answer();
      await vi.waitFor(() => expect(settled).toEqual(['delivered', 'delivered']));
    });

    it('delivers at once when the token works again, even while another stream is still in flight', async () => {
      let answer = () => undefined as void;
      deliverer.script.push(
        () => new Promise<void>((resolve) => (answer = resolve)),
        failing({ kind: 'auth', reason: 'slack:token_revoked' }),
      );
      const r = relay({ authPauseMs: 3_600_000 });
      await enqueue(r, unfrozen(1, 'slow'));
      await enqueue(r, unfrozen(2, 'refused'));
      r.wake();
      await vi.waitFor(() => expect(rows()[1]).toMatchObject({ last_error: 'slack:token_revoked' }));
      r.resume();
      answer();
      // Without looking again once the slow call settled, the refused notice would wait out the hour's pause.
      await vi.waitFor(() => expect(rows().map((row) => row.state)).toEqual(['delivered', 'delivered']), {
        timeout: 2_000,
      });
      expect(deliverer.calls).toHaveLength(3);
    });
  });

  it('keeps a stream’s next notice until the asker has been told the one before was given up on', async () => {
    let told = () => undefined as void;
    deliverer.tellingGiveUp = new Promise<void>((resolve) => (told = resolve));
    deliverer.script.push(failing({ kind: 'permanent', reason: 'slack:is_archived' }));
    const r = relay();
    await enqueue(r, unfrozen(1, 'a'));
    await enqueue(r, unfrozen(1, 'b'));
    r.wake();
    await vi.waitFor(() => expect(deliverer.gaveUp).toHaveLength(1));
    // New work wakes the pump while the give-up is still being told: stream 1 is still in flight.
    await enqueue(r, unfrozen(2, 'other'));
    await vi.waitFor(() => expect(rows()[2]).toMatchObject({ state: 'delivered' }));
    expect(rows()[1]).toMatchObject({ state: 'pending' });
    told();
    await vi.waitFor(() => expect(rows()[1]).toMatchObject({ state: 'delivered' }));
    expect(deliverer.calls.map((c) => (c.notice as { reason: string }).reason)).toEqual(['a', 'other', 'b']);
  });

  it('gives up on a notice once it is older than maxAgeMs, and not yet at that very age', async () => {
    let clock = 1_000_000;
    const r = relay({ now: () => clock, maxAgeMs: 10_000 });
    deliverer.script.push(
      failing({ kind: 'transient', reason: 'slack:unreachable' }),
      failing({ kind: 'transient', reason: 'slack:unreachable' }),
    );
    await enqueue(r, unfrozen(1, 'a'));
    clock += 10_000;
    r.wake();
    await vi.waitFor(() => expect(rows()[0]).toMatchObject({ state: 'pending', attempts: 1 }));
    clock += 60_000;
    r.wake();
    await vi.waitFor(() => expect(rows()[0]).toMatchObject({ state: 'failed' }));
    expect(deliverer.gaveUp).toEqual([
      { kind: 'release_unfrozen', reason: 'slack:unreachable', replyTo: null },
    ]);
  });

  it('does not take a row another instance claimed between reading the heads and claiming it', async () => {
    // Another instance claims row 2 right after this one read it as a due head, before this one claims it.
    let raced = false;
    const racing: Store = {
      transaction: (work) => store.store.transaction(work),
      read: async (work) => {
        const result = await store.store.read(work);
        if (!raced && Array.isArray(result) && result.some((row) => (row as { id?: number }).id === 2)) {
          raced = true;
          await store.store.transaction(async (tx) =>
            claimRow(tx, 2, { by: 'pod-b', epoch: null }, new Date(now()), new Date(now() - 30_000)),
          );
        }
        return result;
      },
    };
    const r = new OutboxRelay(racing, () => deliverer, createLogger('silent'), {
      now,
      identity: 'pod-a',
      onSettled: (outcome) => settled.push(outcome),
    });
    relays.push(r);
    deliverer.script.push(() => Promise.resolve());
    await enqueue(r, expired('UANA'));
    await enqueue(r, expired('UBO'));
    expect(await drain(r)).toBe(1);
    expect(raced).toBe(true);
    expect(deliverer.calls.map((c) => (c.notice as { owner: string }).owner)).toEqual(['UANA']);
    expect(store.db.all(sql.raw('select state, claimed_by, claims from outbox where id = 2'))).toEqual([
      { state: 'pending', claimed_by: 'pod-b', claims: 1 },
    ]);
  });

  describe('what on-call reads in the log', () => {
    const context = { outboxId: 1, kind: 'devenv_expired', stream: 'user:UANA' };

    it('logs a queue it could not read and looks again, instead of rejecting (a database restarting)', async () => {
      const { logger, lines } = capturedLogs();
      let failures = 1;
      const flaky: Store = {
        transaction: (work, options) => store.store.transaction(work, options),
        read: (work) =>
          failures-- > 0 ? Promise.reject(new Error('connection terminated')) : store.store.read(work),
      };
      const r = new OutboxRelay(flaky, () => deliverer, logger, { now, onSettled: (o) => settled.push(o) });
      relays.push(r);
      await store.store.transaction(async (tx) => r.enqueue(tx, expired('UANA')));
      await vi.waitFor(() => expect(settled).toEqual(['delivered']), { timeout: 3_000 });
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: 40,
          msg: 'the outbox could not read its queue; looking again in 1 s',
        }),
      );
    });

    it('logs a deferral with when the notice goes out', async () => {
      const { logger, lines } = capturedLogs();
      const r = relay({}, logger);
      deliverer.script.push(failing({ kind: 'deferred', reason: 'outside working hours', delayMs: 60_000 }));
      await enqueue(r, expired('UANA'));
      const before = now();
      await drain(r);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        level: 30,
        msg: 'notice deferred',
        ...context,
        reason: 'outside working hours',
      });
      expect(Date.parse(String(lines[0]!.until)) - before).toBeGreaterThanOrEqual(60_000);
    });

    it('logs a refused token as an error naming the notice', async () => {
      const { logger, lines } = capturedLogs();
      const r = relay({ authPauseMs: 60_000 }, logger);
      deliverer.script.push(failing({ kind: 'auth', reason: 'slack:token_revoked' }));
      await enqueue(r, expired('UANA'));
      await drain(r);
      expectOnlyLine(lines, {
        level: 50,
        msg: 'Slack refused the token; the outbox waits until it works again',
        ...context,
        reason: 'slack:token_revoked',
      });
    });

    it('logs a delivery a stop interrupted, with why', async () => {
      const { logger, lines } = capturedLogs();
      deliverer.script.push(hangingCall());
      const r = relay({}, logger);
      await enqueue(r, expired('UANA'));
      r.wake();
      await vi.waitFor(() => expect(deliverer.calls).toHaveLength(1));
      await r.stop(now() + 20);
      expectOnlyLine(lines, {
        level: 30,
        msg: 'outbox delivery interrupted',
        outboxId: 1,
        reason: 'Error: release-bot is stopping',
      });
    });

    it('logs a delivery handed over to a later leader', async () => {
      const { logger, lines } = capturedLogs();
      const r = relay({ identity: 'pod-a', epoch: () => 3 }, logger);
      deliverer.script.push(fencedMidDelivery);
      await enqueue(r, expired('UANA'));
      await drain(r);
      expectOnlyLine(lines, {
        level: 40,
        msg: 'outbox delivery handed over',
        outboxId: 1,
        reason: 'fenced out: this instance ran under epoch 3, a later holder raised the fence to 4',
      });
    });

    it('logs a delivery that broke on our side, keeps the row for a later try, and goes on with the others', async () => {
      const { logger, lines } = capturedLogs();
      const r = relay({}, logger);
      deliverer.script.push(failing({ kind: 'transient', reason: 'slack:unreachable' }));
      deliverer.classify = () => {
        throw new Error('classify broke');
      };
      await enqueue(r, expired('UANA'));
      await enqueue(r, expired('UBO'));
      expect(await drain(r)).toBe(1);
      expect(rows().map((row) => [row.stream, row.state, row.attempts])).toEqual([
        ['user:UANA', 'pending', 0],
        ['user:UBO', 'delivered', 0],
      ]);
      expect(lines).toEqual([
        expect.objectContaining({
          level: 50,
          msg: 'outbox delivery broke; retried after the claim ages out',
          outboxId: 1,
          err: expect.objectContaining({ message: 'classify broke' }) as unknown,
        }),
      ]);
    });
  });
});
