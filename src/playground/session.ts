import type { Logger } from '../logger.js';
import type { Clock } from '../use-cases/ports.js';
import { z } from '../vendor/zod.js';
import { readStateFile, writeStateFile } from './state-file.js';

/** How far the visitor may move the clock: enough for any calendar, not enough to overflow a date. */
const MAX_OFFSET_MS = 366 * 86_400_000;

/** Tour steps the database cannot tell: what the visitor only looked at. */
export type TourMark = 'devenv_dry_run';

const saved = z.object({
  offsetMs: z.number().min(0).max(MAX_OFFSET_MS),
  marks: z.array(z.enum(['devenv_dry_run'])).default([]),
});

/**
 * What a playground session keeps beside the database: the clock's offset and the tour steps the database
 * cannot tell.
 *
 * The clock is real time plus an offset the visitor moves forward. The bot gets it as its injected clock
 * (the scheduler, the gate, the Home tab and the Slack stand-in's timestamps all read it), so a scheduled
 * freeze or a reminder can be seen in a visit. It only moves forward (a reset aside), and it is kept: after a
 * restart the bot does not find its own history in the future.
 */
export class PlaygroundSession {
  private offset = 0;
  private readonly marks = new Set<TourMark>();
  readonly clock: Clock = { now: () => new Date(Date.now() + this.offset) };

  constructor(
    private readonly statePath: string | undefined,
    private readonly logger: Logger,
  ) {
    // Nothing saved yet (or unreadable): real time, no marks.
    const state = readStateFile(statePath, saved, logger, 'session');
    if (!state) return;
    this.offset = state.offsetMs;
    for (const mark of state.marks) this.marks.add(mark);
  }

  get offsetMs(): number {
    return this.offset;
  }

  /** Moves the clock forward by `byMs`, or to `at` when that is later; false when past a year ahead. */
  advance(to: { byMs: number } | { at: Date }): boolean {
    const target = 'byMs' in to ? this.offset + to.byMs : to.at.getTime() - Date.now();
    if (target <= this.offset) return true;
    if (target > MAX_OFFSET_MS) return false;
    this.offset = target;
    this.save();
    return true;
  }

  mark(step: TourMark): void {
    if (this.marks.has(step)) return;
    this.marks.add(step);
    this.save();
  }

  has(step: TourMark): boolean {
    return this.marks.has(step);
  }

  /** A new session: real time again, no marks. */
  reset(): void {
    this.offset = 0;
    this.marks.clear();
    this.save();
  }

  private save(): void {
    writeStateFile(this.statePath, { offsetMs: this.offset, marks: [...this.marks] }, this.logger, 'session');
  }
}
