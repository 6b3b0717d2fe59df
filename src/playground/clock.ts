import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Clock } from '../use-cases/ports.js';

/** How far the visitor may move the clock at once: enough for any calendar, not enough to overflow a date. */
const MAX_OFFSET_MS = 366 * 86_400_000;

/**
 * The playground's clock: real time plus an offset the visitor moves forward. The bot gets it as its
 * injected clock (the scheduler, the gate, the Home tab and the Slack stand-in's timestamps all read it), so
 * a scheduled freeze or a reminder can be seen in a visit. Time only moves forward, and the offset is kept
 * beside the database: after a restart the bot does not find its history in the future.
 */
export class PlaygroundClock implements Clock {
  private offset = 0;

  constructor(private readonly statePath: string | undefined) {
    if (!statePath) return;
    try {
      const saved = JSON.parse(readFileSync(statePath, 'utf8')) as { offsetMs?: unknown };
      if (typeof saved.offsetMs === 'number' && saved.offsetMs >= 0 && saved.offsetMs <= MAX_OFFSET_MS)
        this.offset = saved.offsetMs;
    } catch {
      // No clock saved yet (or unreadable): real time.
    }
  }

  get offsetMs(): number {
    return this.offset;
  }

  now(): Date {
    return new Date(Date.now() + this.offset);
  }

  /** Moves the clock forward by `ms`, or to `at` when that is later; refuses to go past a year ahead. */
  advance(to: { byMs: number } | { at: Date }): boolean {
    const target = 'byMs' in to ? this.offset + to.byMs : to.at.getTime() - Date.now();
    if (target <= this.offset) return true;
    if (target > MAX_OFFSET_MS) return false;
    this.offset = target;
    if (this.statePath) {
      writeFileSync(`${this.statePath}.tmp`, JSON.stringify({ offsetMs: this.offset }));
      renameSync(`${this.statePath}.tmp`, this.statePath);
    }
    return true;
  }
}
