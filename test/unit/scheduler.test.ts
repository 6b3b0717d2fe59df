import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startScheduler } from '../../src/scheduler.js';

describe('the calendar scheduler', () => {
  it('runs nothing on a standby, and passes never overlap', async () => {
    let active = false;
    let passes = 0;
    let release: () => void = () => undefined;
    const scheduler = startScheduler({
      pass: () => {
        passes += 1;
        return new Promise<void>((resolve) => (release = resolve));
      },
      intervalMs: 60_000,
      logger: createLogger('silent'),
      mayRun: () => active,
    });
    await scheduler.runOnce();
    expect(passes).toBe(0);

    active = true;
    const first = scheduler.runOnce();
    const second = scheduler.runOnce();
    expect(passes).toBe(1);
    release();
    await Promise.all([first, second]);
    const third = scheduler.runOnce();
    expect(passes).toBe(2);
    release();
    await third;
    await scheduler.stop();
  });

  it('survives a failing pass: the next one runs', async () => {
    let passes = 0;
    const scheduler = startScheduler({
      pass: () => {
        passes += 1;
        return passes === 1 ? Promise.reject(new Error('database locked')) : Promise.resolve();
      },
      intervalMs: 60_000,
      logger: createLogger('silent'),
      mayRun: () => true,
    });
    await scheduler.runOnce();
    await scheduler.runOnce();
    expect(passes).toBe(2);
  });
});
