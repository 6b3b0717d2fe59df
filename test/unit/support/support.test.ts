import { describe, expect, it } from 'vitest';
import { BoundedCache, SingleFlight } from '../../../src/support/bounded-cache.js';
import { withinBudget, withTimeout } from '../../../src/support/deadline.js';
import { EventLoopLag } from '../../../src/support/event-loop-lag.js';
import { HostLocks } from '../../../src/support/host-locks.js';
import { InFlight } from '../../../src/support/in-flight.js';
import { KeyedSerialQueue } from '../../../src/support/keyed-coalescer.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A promise the test settles by hand. */
function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void; fail: (e: Error) => void } {
  let open!: (value: T) => void;
  let fail!: (e: Error) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

describe('BoundedCache', () => {
  it('forgets an entry at its expiry, to the millisecond', () => {
    let now = 1000;
    const cache = new BoundedCache<string, number>(10, () => now);
    cache.set('a', 1, 100);
    now = 1099;
    expect(cache.get('a')).toBe(1);
    now = 1100;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(cache.get('never')).toBeUndefined();
  });

  it('forgets the oldest written entries past its capacity; a rewrite counts as new', () => {
    const cache = new BoundedCache<string, number>(2, () => 0);
    cache.set('a', 1, 1000);
    cache.set('b', 2, 1000);
    cache.set('a', 3, 1000);
    cache.set('c', 4, 1000);
    expect([cache.get('a'), cache.get('b'), cache.get('c'), cache.size]).toEqual([3, undefined, 4, 2]);
    cache.delete('a');
    expect([cache.get('a'), cache.size]).toEqual([undefined, 1]);
  });

  it('keeps nothing with a capacity of zero', () => {
    const cache = new BoundedCache<string, number>(0, () => 0);
    cache.set('a', 1, 1000);
    expect(cache.size).toBe(0);
  });
});

describe('SingleFlight', () => {
  it('shares one call among concurrent callers, and calls again once it settled', async () => {
    const flight = new SingleFlight<string, number>();
    let calls = 0;
    const pending = gate<number>();
    const work = () => {
      calls += 1;
      return pending.promise;
    };
    const a = flight.run('k', work);
    const b = flight.run('k', work);
    const other = flight.run('other', () => Promise.resolve(7));
    pending.open(5);
    expect([await a, await b, await other, calls]).toEqual([5, 5, 7, 1]);
    await flight.run('k', () => {
      calls += 1;
      return Promise.resolve(6);
    });
    expect(calls).toBe(2);
  });
});

describe('deadlines', () => {
  it('withinBudget gives the result in time, else undefined, and leaves no timer', async () => {
    expect(await withinBudget(Promise.resolve('fast'), 1000)).toBe('fast');
    const started = Date.now();
    expect(await withinBudget(new Promise(() => undefined), 30)).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('withTimeout rejects with the caller’s error when the time is up, and passes results and errors through', async () => {
    await expect(withTimeout(Promise.resolve(1), 1000, () => new Error('late'))).resolves.toBe(1);
    await expect(
      withTimeout(Promise.reject(new Error('own')), 1000, () => new Error('late')),
    ).rejects.toThrow('own');
    await expect(withTimeout(new Promise(() => undefined), 20, () => new Error('late'))).rejects.toThrow(
      'late',
    );
  });
});

describe('EventLoopLag', () => {
  it('reports how late its timer fired after the loop was blocked', async () => {
    const lag = new EventLoopLag(20);
    expect(lag.currentMs).toBe(0);
    await sleep(25);
    const blockedUntil = Date.now() + 120;
    while (Date.now() < blockedUntil) {
      // Block the event loop on purpose.
    }
    await sleep(5);
    const seen = lag.currentMs;
    lag.stop();
    expect(seen).toBeGreaterThan(50);
  });
});

describe('InFlight', () => {
  it('counts work in progress and wakes a shutdown when the last finishes', async () => {
    const inFlight = new InFlight();
    expect(await inFlight.settled(Date.now())).toBe(true);
    const one = gate();
    const two = gate();
    const a = inFlight.track(() => one.promise);
    const b = inFlight.track(() => two.promise.then(() => 'b'));
    expect(inFlight.count).toBe(2);
    const settled = inFlight.settled(Date.now() + 5000);
    one.open();
    await a;
    expect(inFlight.count).toBe(1);
    two.open();
    expect([await b, await settled, inFlight.count]).toEqual(['b', true, 0]);
  });

  it('gives up waiting at the deadline, and counts a failed task as finished', async () => {
    const inFlight = new InFlight();
    const stuck = gate();
    const tracked = inFlight.track(() => stuck.promise).catch(() => 'failed');
    expect(await inFlight.settled(Date.now() + 20)).toBe(false);
    stuck.fail(new Error('x'));
    expect(await tracked).toBe('failed');
    expect(inFlight.count).toBe(0);
    await expect(inFlight.track(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(inFlight.count).toBe(0);
  });
});

describe('KeyedSerialQueue and HostLocks', () => {
  it('runs one key’s tasks one after another, even after a failure, and other keys alongside', async () => {
    const queue = new KeyedSerialQueue<string>();
    const log: string[] = [];
    const first = gate();
    const a1 = queue.run('a', async () => {
      log.push('a1 start');
      await first.promise;
      log.push('a1 end');
      throw new Error('a1 failed');
    });
    const a2 = queue.run('a', () => {
      log.push('a2');
      return Promise.resolve('a2 done');
    });
    const b1 = queue.run('b', () => {
      log.push('b1');
      return Promise.resolve('b1 done');
    });
    await b1;
    expect(log).toEqual(['a1 start', 'b1']);
    first.open();
    await expect(a1).rejects.toThrow('a1 failed');
    expect(await a2).toBe('a2 done');
    expect(log).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
  });

  it('holds hosts in sorted order, and runs a whole-cluster pass alone', async () => {
    const locks = new HostLocks();
    const log: string[] = [];
    const slow = gate();
    const one = locks.withHosts(['b', 'a', 'b'], async () => {
      log.push('one');
      await slow.promise;
      log.push('one done');
    });
    await sleep(0);
    const all = locks.withAll(() => {
      log.push('all');
      return Promise.resolve('reconciled');
    });
    const later = locks.withHosts(['c'], () => {
      log.push('later');
      return Promise.resolve();
    });
    await sleep(10);
    expect(log).toEqual(['one']);
    slow.open();
    expect(await all).toBe('reconciled');
    await Promise.all([one, later]);
    expect(log).toEqual(['one', 'one done', 'all', 'later']);
  });
});
