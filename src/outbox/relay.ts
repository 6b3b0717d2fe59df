import type { Db, Tx } from '../db/database.js';
import {
  countPending,
  dueHeads,
  insertOutboxRow,
  laterPendingOfKinds,
  markDelivered,
  markFailed,
  nextDueAt,
  scheduleRetry,
  setStepsDone,
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
  | { kind: 'permanent'; reason: string };

/** Progress through a notice's steps, so a retry resumes after the last step that went out. */
export interface DeliverySteps {
  readonly done: number;
  /** What an earlier step of this notice decided for the later ones (see `complete`). */
  readonly memo: unknown;
  /**
   * Records the next step as carried out, together with what it learned (a message ts), in one
   * transaction; `memo` replaces what later steps (and retries) read as `memo`.
   */
  complete(write?: (tx: Tx) => void, memo?: unknown): void;
  /** Replaces the memo without completing a step (a part refused as too long, split in two). */
  remember(memo: unknown): void;
  /** Whether a later pending notice of the same stream is one of `kinds`. */
  supersededBy(kinds: readonly NoticeKind[]): boolean;
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
};

/** The stream a notice is ordered within. */
export function streamOf(notice: Notice): string {
  switch (notice.kind) {
    case 'devenv_expiring':
    case 'devenv_expired':
    case 'devenv_creation_interrupted':
      return `user:${notice.owner}`;
    case 'signoff_reminder':
      return `user:${notice.user}`;
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
  private readonly settings: RelaySettings;

  constructor(
    private readonly db: Db,
    private readonly route: (notice: Notice) => NoticeDeliverer,
    private readonly logger: Logger,
    settings: Partial<RelaySettings> = {},
  ) {
    this.settings = { ...DEFAULT_RELAY_SETTINGS, ...settings };
  }

  enqueue(tx: Tx, notice: Notice, options: { replyTo?: string } = {}): void {
    insertOutboxRow(tx, {
      stream: streamOf(notice),
      kind: notice.kind,
      payload: notice,
      replyTo: options.replyTo ?? null,
      at: new Date(this.settings.now()),
    });
    // After the caller's transaction: a rolled-back notice is simply not found.
    setImmediate(() => this.wake());
  }

  /** Looks for due work now. */
  wake(): void {
    if (this.stopped || !this.settings.mayRun()) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
    });
  }

  depth(): number {
    return countPending(this.db);
  }

  /**
   * Delivers what it can until nothing due is left or the deadline passes (graceful shutdown). Resolves to
   * how many notices are still pending.
   */
  async drain(deadline: number): Promise<number> {
    for (;;) {
      const pending = this.depth();
      const now = this.settings.now();
      if (pending === 0 || now >= deadline || this.stopped) return pending;
      this.wake();
      const running = this.pumping;
      if (running) {
        await Promise.race([running, sleep(deadline - now)]);
        continue;
      }
      const next = Math.max(nextDueAt(this.db)?.getTime() ?? deadline, this.pausedUntil);
      if (next >= deadline) return pending;
      await sleep(Math.max(10, next - now));
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
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
        const heads = free > 0 ? dueHeads(this.db, new Date(now), free, [...inFlight.keys()]) : [];
        if (heads.length === 0 && inFlight.size === 0) {
          const next = nextDueAt(this.db);
          if (next) this.schedule(next.getTime());
          break;
        }
        for (const head of heads) {
          const work = this.deliverOne(head).finally(() => inFlight.delete(head.stream));
          inFlight.set(head.stream, work);
        }
        // Start the next head of a stream as soon as its previous one settles.
        await Promise.race(inFlight.values());
      }
      await Promise.all(inFlight.values());
    } while (this.again && !this.stopped);
  }

  private async deliverOne(row: OutboxRow): Promise<void> {
    const notice = row.payload as Notice;
    const deliverer = this.route(notice);
    let done = row.stepsDone;
    let memo = row.memo;
    const steps: DeliverySteps = {
      get done() {
        return done;
      },
      get memo() {
        return memo;
      },
      complete: (write, nextMemo) => {
        this.db.transaction((tx) => {
          write?.(tx);
          setStepsDone(tx, row.id, done + 1, nextMemo);
        });
        done += 1;
        if (nextMemo !== undefined) memo = nextMemo;
      },
      remember: (nextMemo) => {
        this.db.transaction((tx) => setStepsDone(tx, row.id, done, nextMemo));
        memo = nextMemo;
      },
      supersededBy: (kinds) => laterPendingOfKinds(this.db, row, [...kinds]),
    };
    try {
      await deliverer.deliver(notice, steps);
      markDelivered(this.db, row.id, new Date(this.settings.now()));
      this.settings.onSettled('delivered');
    } catch (error) {
      await this.failed(row, notice, deliverer, error);
    }
  }

  private async failed(
    row: OutboxRow,
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
      scheduleRetry(this.db, row.id, attempts, new Date(now + failure.retryAfterMs), failure.reason);
      this.logger.warn({ ...context, retryAfterMs: failure.retryAfterMs }, 'rate limited; the outbox waits');
      return;
    }
    if (failure.kind === 'auth') {
      this.pausedUntil = Math.max(this.pausedUntil, now + this.settings.authPauseMs);
      // Due at once: the pause holds it, and ends early when the token works again (resume).
      scheduleRetry(this.db, row.id, row.attempts, new Date(now), failure.reason);
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
      markFailed(this.db, row.id, new Date(now), failure.reason);
      this.settings.onSettled('failed');
      this.logger.error({ ...context, err: error }, 'notice given up on');
      await deliverer.deliveryFailed(notice, failure.reason, row.replyTo);
      return;
    }
    const backoff =
      Math.min(this.settings.maxBackoffMs, this.settings.baseBackoffMs * 2 ** (attempts - 1)) *
      (0.5 + this.settings.random() / 2);
    scheduleRetry(this.db, row.id, attempts, new Date(now + backoff), failure.reason);
    this.logger.warn({ ...context, retryInMs: Math.round(backoff) }, 'notice delivery failed; retrying');
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
