import type { types, webApi } from '@slack/bolt';
import type { Logger } from '../logger.js';
import { reducedHomeView } from './blocks/home.js';
import { refusedForSize } from './slack-errors.js';

export interface HomePublisherSettings {
  /** Changes within this window make one publish per viewer. */
  throttleMs: number;
  /** Viewers remembered for pushes; the least recent are forgotten first. */
  maxViewers: number;
  /** A viewer who has not opened the tab for this long gets no pushes (the next open re-renders). */
  viewerTtlMs: number;
  now: () => number;
  /** Counts views Slack refused for their size: `recovered` when the smaller view went out. */
  onRefused: (reason: string, recovered: boolean) => void;
}

export const DEFAULT_HOME_SETTINGS: HomePublisherSettings = {
  throttleMs: 3_000,
  maxViewers: 500,
  viewerTtlMs: 24 * 3600_000,
  now: Date.now,
  onRefused: () => undefined,
};

/**
 * Publishes App Home views: at once when a person opens the tab (with Slack's `hash`, so an older render
 * never overwrites a newer one), and again for recent viewers when what they see changes, at most once per
 * throttle window however many votes arrive in it. A missed push is harmless: the next open re-renders.
 */
export class HomePublisher {
  private readonly viewers = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private publishing: Promise<void> | undefined;
  private dirtyAgain = false;
  private stopped = false;
  private readonly settings: HomePublisherSettings;

  constructor(
    private readonly client: webApi.WebClient,
    private readonly render: (userId: string) => Promise<types.HomeView>,
    private readonly logger: Logger,
    settings: Partial<HomePublisherSettings> = {},
  ) {
    this.settings = { ...DEFAULT_HOME_SETTINGS, ...settings };
  }

  /** The person opened the tab: render for them now and remember them for pushes. */
  async opened(userId: string, hash: string | undefined): Promise<void> {
    this.remember(userId);
    await this.publish(userId, hash);
  }

  /** Something a viewer may see changed: re-publish for recent viewers after the throttle window. */
  changed(): void {
    if (this.stopped || this.viewers.size === 0) return;
    if (this.publishing) {
      this.dirtyAgain = true;
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.publishing = this.publishAll().finally(() => {
        this.publishing = undefined;
        if (this.dirtyAgain) {
          this.dirtyAgain = false;
          this.changed();
        }
      });
    }, this.settings.throttleMs).unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private remember(userId: string): void {
    this.viewers.delete(userId);
    this.viewers.set(userId, this.settings.now());
    while (this.viewers.size > this.settings.maxViewers) {
      const oldest = this.viewers.keys().next().value;
      if (oldest === undefined) break;
      this.viewers.delete(oldest);
    }
  }

  private async publishAll(): Promise<void> {
    const cutoff = this.settings.now() - this.settings.viewerTtlMs;
    for (const [userId, seen] of [...this.viewers]) {
      if (this.stopped) return;
      if (seen < cutoff) {
        this.viewers.delete(userId);
        continue;
      }
      await this.publish(userId, undefined);
    }
  }

  private async publish(userId: string, hash: string | undefined): Promise<void> {
    try {
      const view = await this.render(userId);
      try {
        await this.client.views.publish({ user_id: userId, view, ...(hash ? { hash } : {}) });
      } catch (error) {
        const reason = refusedForSize(error);
        if (!reason) throw error;
        // Too big for Slack: the first part of the tab, with where the rest is, beats an old view.
        await this.client.views.publish({
          user_id: userId,
          view: reducedHomeView(view),
          ...(hash ? { hash } : {}),
        });
        this.settings.onRefused(reason, true);
      }
    } catch (error) {
      const code = (error as { data?: { error?: string } }).data?.error;
      // A newer publish won the race; the view shown is already the newer one.
      if (code === 'hash_conflict') return;
      const reason = refusedForSize(error);
      if (reason) this.settings.onRefused(reason, false);
      this.logger.warn({ err: error, user: userId }, 'could not publish App Home');
    }
  }
}
