import { KeyedSerialQueue } from './keyed-coalescer.js';

/**
 * Serializes cluster work per host (pre-prod service): environments touching different services never
 * wait for each other, those sharing one stay ordered. A whole-cluster pass (reconcile) runs alone.
 */
export class HostLocks {
  private readonly queue = new KeyedSerialQueue<string>();
  private exclusive: Promise<void> = Promise.resolve();
  private readonly active = new Set<Promise<unknown>>();

  /** Runs with every named host held, acquired in sorted order so that two callers cannot deadlock. */
  async withHosts<T>(hosts: readonly string[], task: () => Promise<T>): Promise<T> {
    // Wait out any whole-cluster pass, including one that starts while we wait.
    for (;;) {
      const gate = this.exclusive;
      await gate;
      if (gate === this.exclusive) break;
    }
    const sorted = [...new Set(hosts)].sort();
    const run = sorted.reduceRight<() => Promise<T>>((next, host) => () => this.queue.run(host, next), task);
    const running = run();
    this.active.add(running);
    try {
      return await running;
    } finally {
      this.active.delete(running);
    }
  }

  /** Runs alone: after every host task in flight, before any that comes later. */
  async withAll<T>(task: () => Promise<T>): Promise<T> {
    const previous = this.exclusive;
    let release!: () => void;
    this.exclusive = new Promise<void>((resolve) => (release = resolve));
    try {
      await previous;
      await Promise.allSettled([...this.active]);
      return await task();
    } finally {
      release();
    }
  }
}
