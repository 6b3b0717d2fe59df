// One cohesive thing, kept whole: the outbox relay (claims, ordering per stream, retries, pauses, fencing, stop).
import type { Store, Tx } from '../db/database.js';
import { afterUnitOfWork } from '../db/query.js';
import { FencedOut, runFenced } from '../db/fencing.js';
import {
  ClaimLost,
  claimRow,
  countPending,
  dueHeads,
  releaseClaims,
  insertOutboxRow,
  laterPendingOfKinds,
  markDelivered,
  markFailed,
  nextDueAt,
  deferRow,
  resumeDeferredRows,
  scheduleRetry,
  setStepsDone,
  type Claimant,
  type OutboxRow,
} from '../db/outbox.js';
import type { Logger } from '../logger.js';
import type { Notice, NoticeKind, Outbox } from '../use-cases/ports.js';

/** What a failed delivery means for the next attempt. */
export type DeliveryFailure =
  | { kind: 'transient'; reason: string }
  /** The whole relay waits: Slack's rate limits are per workspace and method. */
  | { kind: 'rate_limited'; reason: string; retryAfterMs: number }
  /**
   * The token itself was refused (rotated, revoked): every notice would fail alike, so the whole relay
   * pauses and nothing is given up on; delivery resumes once the token works again.
   */
  | { kind: 'auth'; reason: string }
  | { kind: 'permanent'; reason: string }
  /**
   * Not a failure: the notice may not go out yet (a reminder outside working hours). It waits `delayMs`
   * without counting an attempt, or until `resumeDeferred()` says its time has come.
   */
  | { kind: 'deferred'; reason: string; delayMs: number };

/** How soon the relay looks again after the queue could not be read. */
const QUEUE_RETRY_MS = 1_000;

/** The `last_error` of a row that waits on purpose; `resumeDeferred()` finds them by it. */
export const DEFERRED_PREFIX = 'deferred: ';

/** Progress through a notice's steps, so a retry resumes after the last step that went out. */
export interface DeliverySteps {
  /** The outbox row's id: what a posted message carries in its metadata, to be found again. */
  readonly id: number;
  /** When the notice was queued: nothing of it can be in Slack from before. */
  readonly queuedAt: Date;
  readonly done: number;
  /**
   * Whether the next step may already have reached Slack: an earlier delivery of this row started it and
   * never recorded the outcome (a timeout, a reset, a crash, a handover). Such a step looks before it posts.
   */
  readonly inDoubt: boolean;
  /** Aborted when this instance stops leading or stops: calls in flight give up, no later step starts. */
  readonly signal: AbortSignal;
  /** What an earlier step of this notice decided for the later ones (see `complete`). */
  readonly memo: unknown;
  /**
   * Records the next step as carried out, together with what it learned (a message ts), in one
   * transaction; `memo` replaces what later steps (and retries) read as `memo`.
   */
  complete(write?: (tx: Tx) => Promise<void>, memo?: unknown): Promise<void>;
  /** Replaces the memo without completing a step (a part refused as too long, split in two). */
  remember(memo: unknown): Promise<void>;
  /** Whether a later pending notice of the same stream is one of `kinds`. */
  supersededBy(kinds: readonly NoticeKind[]): Promise<boolean>;
}

export interface NoticeDeliverer {
  deliver(notice: Notice, steps: DeliverySteps): Promise<void>;
  classify(error: unknown): DeliveryFailure;
  /** Tells someone that a notice will never go out; never throws. */
  deliveryFailed(notice: Notice, reason: string, replyTo: string | null): Promise<void>;
}

export interface RelaySettings {
  /** Streams delivered at once (each stream stays in order). */
  concurrency: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** A notice still failing after this long is given up on. */
  maxAgeMs: number;
  /** Attempts for failures that are not the outside system's (bugs): they do not heal by waiting. */
  maxUnexpectedAttempts: number;
  now: () => number;
  random: () => number;
  /** How long the relay pauses after the token was refused, before it tries again. */
  authPauseMs: number;
  /** Told when the token was refused (readiness names it and re-checks the token). */
  onAuthRefused: (reason: string) => void;
  /** Only the active instance delivers (false on a standby). */
  mayRun: () => boolean;
  onSettled: (outcome: 'delivered' | 'failed') => void;
  /** Who claims rows: unique per process. */
  identity: string;
  /** The leadership epoch deliveries run under (fenced), or undefined without leader election. */
  epoch: () => number | undefined;
  /** Aborted when this instance's term as leader ends: deliveries in flight stop at once. */
  term: () => AbortSignal | undefined;
  /**
   * A claim older than this is taken over: longer than any step's calls can take (each has a deadline),
   * so the claimant has given up on its call before another instance looks for its message.
   */
  claimTimeoutMs: number;
}

export const DEFAULT_RELAY_SETTINGS: RelaySettings = {
  concurrency: 4,
  baseBackoffMs: 1_000,
  maxBackoffMs: 60_000,
  maxAgeMs: 24 * 3600_000,
  maxUnexpectedAttempts: 5,
  now: Date.now,
  random: Math.random,
  authPauseMs: 30_000,
  onAuthRefused: () => undefined,
  mayRun: () => true,
  onSettled: () => undefined,
  identity: `relay-${process.pid}-${Math.random().toString(36).slice(2, 10)}`,
  epoch: () => undefined,
  term: () => undefined,
  claimTimeoutMs: 30_000,
};

/** The stream a notice is ordered within. */
export function streamOf(notice: Notice): string {
  switch (notice.kind) {
    case 'devenv_expiring':
    case 'devenv_expired':
    case 'devenv_creation_interrupted':
    case 'devenv_unsafe_target':
      return `user:${notice.owner}`;
    case 'signoff_reminder':
      // A stream of its own per round: one that waits for working hours holds up neither the person's other
      // DMs (an expiring environment) nor a reminder asked for by hand.
      return `reminder:${notice.user}:${notice.roundAt ?? ''}`;
    case 'scheduled_freeze_failed':
      return `user:${notice.manager}`;
    case 'tracker_sync_requested':
      return `tracker:${notice.release.id}`;
    default:
      return `release:${notice.release.id}`;
  }
}

/**
 * Delivers the outbox: in id order per stream, several streams at once, retrying with capped exponential
 * backoff and honouring Retry-After. Survives restarts because everything it knows is in the table.
 */
export class OutboxRelay implements Outbox {
  private pumping: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private pausedUntil = 0;
  private kick: (() => void) | undefined;
  private readonly settings: RelaySettings;
  /** Aborted by stop(): deliveries still in flight at the shutdown deadline give up. */
  private readonly halt = new AbortController();

  constructor(
    private readonly store: Store,
    private readonly route: (notice: Notice) => NoticeDeliverer,
    private readonly logger: Logger,
    settings: Partial<RelaySettings> = {},
  ) {
    this.settings = { ...DEFAULT_RELAY_SETTINGS, ...settings };
  }

  async enqueue(tx: Tx, notice: Notice, options: { replyTo?: string } = {}): Promise<void> {
    await insertOutboxRow(tx, {
      stream: streamOf(notice),
      kind: notice.kind,
      payload: notice,
      replyTo: options.replyTo ?? null,
      at: new Date(this.settings.now()),
    });
    // Once the caller's unit of work has committed: a rolled-back notice never wakes anyone.
    afterUnitOfWork(() => this.wake());
  }

  /** Looks for due work now. */
  wake(): void {
    if (this.stopped || !this.settings.mayRun()) return;
    if (this.pumping) {
      this.again = true;
      // A pump waiting on slow deliveries looks for new heads now: another stream's notice must not wait.
      this.kick?.();
      return;
    }
    this.pumping = this.pump()
      .catch((error: unknown) => {
        // The queue could not be read (a database restarting, a network blip): look again shortly, and
        // never let the rejection take the process down.
        this.logger.warn({ err: error }, 'the outbox could not read its queue; looking again in 1 s');
        this.schedule(this.settings.now() + QUEUE_RETRY_MS);
      })
      .finally(() => {
        this.pumping = undefined;
      });
  }

  depth(): Promise<number> {
    return countPending(this.store);
  }

  /**
   * Delivers what it can until nothing due is left or the deadline passes (graceful shutdown). Resolves to
   * how many notices are still pending.
   */
  async drain(deadline: number): Promise<number> {
    for (;;) {
      const pending = await this.depth();
      const now = this.settings.now();
      if (pending === 0 || now >= deadline || this.stopped) return pending;
      this.wake();
      const running = this.pumping;
      if (running) await Promise.race([running, sleep(deadline - now)]);
      // A pump ends when nothing is due (a retry later, a pause, a row another instance holds): sleep until
      // something is, rather than start pump after pump, which spins on promises and starves the event loop.
      const next = Math.max(
        (await nextDueAt(this.store, this.settings.claimTimeoutMs))?.getTime() ?? deadline,
        this.pausedUntil,
      );
      if (next >= deadline) return this.depth();
      await sleep(Math.max(10, next - this.settings.now()));
    }
  }

  /**
   * Stops delivering: no new step starts; calls in flight get until `deadline` (then they are aborted), and
   * the rows still claimed are given back, so the next holder takes them at once.
   */
  async stop(deadline = this.settings.now()): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const running = this.pumping;
    if (running) {
      const left = deadline - this.settings.now();
      if (left > 0) await Promise.race([running, sleep(left)]);
      this.halt.abort(new Error('release-bot is stopping'));
      await running;
    }
    // Unreleased claims age out (claimTimeoutMs): a database that does not answer must not fail the stop.
    await releaseClaims(this.store, this.settings.identity).catch((error: unknown) =>
      this.logger.warn({ err: error }, 'the outbox claims could not be given back; they age out'),
    );
  }

  private schedule(atMs: number): void {
    clearTimeout(this.timer);
    const delay = Math.max(0, atMs - this.settings.now());
    this.timer = setTimeout(() => this.wake(), Math.min(delay, 2 ** 31 - 1)).unref();
  }

  private async pump(): Promise<void> {
    const inFlight = new Map<string, Promise<void>>();
    do {
      this.again = false;
      while (!this.stopped && this.settings.mayRun()) {
        const now = this.settings.now();
        if (now < this.pausedUntil) {
          this.schedule(this.pausedUntil);
          break;
        }
        const free = this.settings.concurrency - inFlight.size;
        const claimsBefore = new Date(now - this.settings.claimTimeoutMs);
        const heads =
          free > 0 ? await dueHeads(this.store, new Date(now), free, [...inFlight.keys()], claimsBefore) : [];
        if (heads.length === 0 && inFlight.size === 0) {
          const next = await nextDueAt(this.store, this.settings.claimTimeoutMs);
          if (next) this.schedule(next.getTime());
          break;
        }
        for (const head of heads) {
          const work = this.deliverOne(head).finally(() => inFlight.delete(head.stream));
          inFlight.set(head.stream, work);
        }
        // Start the next head of a stream as soon as its previous one settles, or as soon as new work
        // arrives (wake), so a stream stuck on a slow Slack never delays another.
        await Promise.race([...inFlight.values(), new Promise<void>((resolve) => (this.kick = resolve))]);
        this.kick = undefined;
      }
      await Promise.all(inFlight.values());
    } while (this.again && !this.stopped);
  }

  private async deliverOne(head: OutboxRow): Promise<void> {
    const epoch = this.settings.epoch();
    const claimant: Claimant = { by: this.settings.identity, epoch: epoch ?? null };
    const now = () => new Date(this.settings.now());
    await runFenced(epoch, async () => {
      try {
        const row = await this.store.transaction(async (tx) =>
          claimRow(
            tx,
            head.id,
            claimant,
            now(),
            new Date(this.settings.now() - this.settings.claimTimeoutMs),
          ),
        );
        if (!row) return;
        await this.deliverClaimed(row, claimant, now);
      } catch (error) {
        if (error instanceof FencedOut || error instanceof ClaimLost) {
          // Someone else delivers this row now: whatever this delivery did not record is theirs to redo.
          this.logger.warn({ outboxId: head.id, reason: error.message }, 'outbox delivery handed over');
          return;
        }
        // Not the notice's failure but ours (a deliverer that broke its contract, a database error while
        // recording one): rethrown, it would end the process, and a crash loop on one notice takes the gate
        // down with it. The row keeps its claim, so it is tried again once the claim ages out.
        this.logger.error(
          { outboxId: head.id, err: error },
          'outbox delivery broke; retried after the claim ages out',
        );
      }
    });
  }

  /**
   * Aborted when deliveries must stop at once: the term as leader ended, or stop() ran out of time. The
   * outbox's Slack client passes it to every call, so a call in flight is cancelled, not just its step.
   */
  signal(): AbortSignal {
    const term = this.settings.term();
    return term ? AbortSignal.any([term, this.halt.signal]) : this.halt.signal;
  }

  private async deliverClaimed(row: OutboxRow, claimant: Claimant, now: () => Date): Promise<void> {
    const notice = row.payload as Notice;
    const deliverer = this.route(notice);
    const signal = this.signal();
    const startedAt = row.stepsDone;
    let done = row.stepsDone;
    let memo = row.memo;
    const steps: DeliverySteps = {
      id: row.id,
      queuedAt: row.createdAt,
      get done() {
        return done;
      },
      get inDoubt() {
        return row.claims > 1 && done === startedAt;
      },
      signal,
      get memo() {
        return memo;
      },
      complete: async (write, nextMemo) => {
        signal.throwIfAborted();
        await this.store.transaction(async (tx) => {
          await write?.(tx);
          await setStepsDone(tx, row.id, claimant, now(), done + 1, nextMemo);
        });
        done += 1;
        if (nextMemo !== undefined) memo = nextMemo;
      },
      remember: async (nextMemo) => {
        await this.store.transaction(async (tx) => setStepsDone(tx, row.id, claimant, now(), done, nextMemo));
        memo = nextMemo;
      },
      supersededBy: async (kinds) => laterPendingOfKinds(this.store, row, [...kinds]),
    };
    try {
      signal.throwIfAborted();
      await deliverer.deliver(notice, steps);
      await this.store.transaction(async (tx) => markDelivered(tx, row.id, now(), claimant));
      this.settings.onSettled('delivered');
    } catch (error) {
      if (error instanceof FencedOut || error instanceof ClaimLost) throw error;
      if (signal.aborted) {
        // Stopped or no longer leading: not a failure of the notice. A stop gives the claim back; a lost
        // term leaves it to age out, since the call may still land in Slack (the next holder looks first).
        this.logger.info({ outboxId: row.id, reason: String(signal.reason) }, 'outbox delivery interrupted');
        return;
      }
      await this.failed(row, claimant, notice, deliverer, error);
    }
  }

  private async failed(
    row: OutboxRow,
    claimant: Claimant,
    notice: Notice,
    deliverer: NoticeDeliverer,
    error: unknown,
  ): Promise<void> {
    const now = this.settings.now();
    const failure = deliverer.classify(error);
    const attempts = row.attempts + 1;
    const context = {
      outboxId: row.id,
      kind: row.kind,
      stream: row.stream,
      attempts,
      reason: failure.reason,
    };
    if (failure.kind === 'rate_limited') {
      this.pausedUntil = Math.max(this.pausedUntil, now + failure.retryAfterMs);
      await this.store.transaction(async (tx) =>
        scheduleRetry(tx, row.id, claimant, attempts, new Date(now + failure.retryAfterMs), failure.reason),
      );
      this.logger.warn({ ...context, retryAfterMs: failure.retryAfterMs }, 'rate limited; the outbox waits');
      return;
    }
    if (failure.kind === 'deferred') {
      const until = new Date(now + Math.max(0, failure.delayMs));
      const reason = `${DEFERRED_PREFIX}${failure.reason}`;
      await this.store.transaction(async (tx) =>
        deferRow(tx, row.id, claimant, until, reason, row.claims <= 1),
      );
      this.logger.info({ ...context, until }, 'notice deferred');
      return;
    }
    if (failure.kind === 'auth') {
      this.pausedUntil = Math.max(this.pausedUntil, now + this.settings.authPauseMs);
      // Due at once: the pause holds it, and ends early when the token works again (resume).
      await this.store.transaction(async (tx) =>
        scheduleRetry(tx, row.id, claimant, row.attempts, new Date(now), failure.reason),
      );
      this.logger.error({ ...context }, 'Slack refused the token; the outbox waits until it works again');
      this.settings.onAuthRefused(failure.reason);
      return;
    }
    const tooOld = now - row.createdAt.getTime() > this.settings.maxAgeMs;
    const unexpected = failure.kind === 'transient' && failure.reason.startsWith('unexpected');
    if (
      failure.kind === 'permanent' ||
      tooOld ||
      (unexpected && attempts >= this.settings.maxUnexpectedAttempts)
    ) {
      await this.store.transaction(async (tx) =>
        markFailed(tx, row.id, new Date(now), failure.reason, claimant),
      );
      this.settings.onSettled('failed');
      this.logger.error({ ...context, err: error }, 'notice given up on');
      await deliverer.deliveryFailed(notice, failure.reason, row.replyTo);
      return;
    }
    const backoff =
      Math.min(this.settings.maxBackoffMs, this.settings.baseBackoffMs * 2 ** (attempts - 1)) *
      (0.5 + this.settings.random() / 2);
    await this.store.transaction(async (tx) =>
      scheduleRetry(tx, row.id, claimant, attempts, new Date(now + backoff), failure.reason),
    );
    this.logger.warn({ ...context, retryInMs: Math.round(backoff) }, 'notice delivery failed; retrying');
  }

  /**
   * Makes the notices that wait on purpose due now (the scheduler's clock says working hours have begun);
   * each is judged again as it is delivered.
   */
  async resumeDeferred(): Promise<number> {
    // One statement: a lone write, which checks the leadership fence like a transaction would.
    const resumed = await resumeDeferredRows(this.store, DEFERRED_PREFIX, new Date(this.settings.now()));
    if (resumed > 0) this.wake();
    return resumed;
  }

  /** Delivers again at once (the token works again): any pause for a refused token ends. */
  resume(): void {
    this.pausedUntil = 0;
    this.wake();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
