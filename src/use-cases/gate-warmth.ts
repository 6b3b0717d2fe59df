import type { Reader } from '../db/database.js';
import { listReleases } from '../db/releases.js';
import type { Logger } from '../logger.js';

/** Reads a frozen release's Jira scope into the gate's issue cache (the Jira adapter). */
export interface GateWarmer {
  warmIssues(version: string, cacheSeconds: number): Promise<number>;
}

export interface GateWarmthSettings {
  /** GATE_ISSUE_CACHE: how long a cached issue is trusted. */
  cacheSeconds: number;
  /** Whether this instance does background work now (the Lease holder). */
  mayRun: () => boolean;
  /** How often it looks for a frozen release that is cold or due for a refresh. */
  tickMs: number;
}

/**
 * Keeps the gate warm during a freeze: a frozen release's tickets are read in bulk right after the freeze
 * and again before the cached entries expire, so a pipeline asking about a ticket in scope never waits for
 * Jira. One read at a time (each is one search page after another); a failed read is retried next tick.
 */
export class GateWarmth {
  private readonly warmedAt = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  readonly stats = { reads: 0, failures: 0, tickets: 0 };

  constructor(
    private readonly db: Reader,
    private readonly warmer: GateWarmer,
    private readonly settings: GateWarmthSettings,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Refreshes at 60 % of the cache lifetime: a read that takes a while still lands before expiry. */
  private get refreshAfterMs(): number {
    return this.settings.cacheSeconds * 1000 * 0.6;
  }

  async pass(): Promise<void> {
    if (this.running || !this.settings.mayRun()) return;
    this.running = true;
    try {
      const frozen = await listReleases(this.db, ['frozen', 'signed_off']);
      const keep = new Set(frozen.map((r) => r.version));
      for (const version of this.warmedAt.keys()) if (!keep.has(version)) this.warmedAt.delete(version);
      for (const release of frozen) {
        const last = this.warmedAt.get(release.version);
        if (last !== undefined && this.now() - last < this.refreshAfterMs) continue;
        try {
          this.stats.reads++;
          this.stats.tickets = await this.warmer.warmIssues(release.version, this.settings.cacheSeconds);
          this.warmedAt.set(release.version, this.now());
        } catch (error) {
          this.stats.failures++;
          this.logger.warn(
            { err: error, release: release.version },
            'could not warm the gate from the Jira scope',
          );
        }
      }
    } finally {
      this.running = false;
    }
  }

  start(): void {
    this.timer = setInterval(() => void this.pass(), this.settings.tickMs).unref();
    void this.pass();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
