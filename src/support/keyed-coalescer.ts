/**
 * Runs at most one task per key at a time; requests that arrive while one runs are folded into a single
 * follow-up run. Every caller's promise settles after a run that started after its request, so the last
 * run always sees the latest state (used to keep one Slack message in step with many fast votes).
 */
export class KeyedCoalescer<K> {
  private readonly running = new Map<K, { pending: (() => void)[]; task: () => Promise<void> }>();

  constructor(private readonly onError: (error: unknown, key: K) => void) {}

  schedule(key: K, task: () => Promise<void>): Promise<void> {
    return new Promise((resolve) => {
      const existing = this.running.get(key);
      if (existing) {
        existing.pending.push(resolve);
        existing.task = task;
        return;
      }
      const entry = { pending: [resolve], task };
      this.running.set(key, entry);
      void this.drain(key, entry);
    });
  }

  private async drain(key: K, entry: { pending: (() => void)[]; task: () => Promise<void> }): Promise<void> {
    while (entry.pending.length > 0) {
      const batch = entry.pending.splice(0);
      try {
        await entry.task();
      } catch (error) {
        this.onError(error, key);
      }
      for (const settle of batch) settle();
    }
    this.running.delete(key);
  }
}

/** Runs tasks for the same key one after another (never two at once), different keys in parallel. */
export class KeyedSerialQueue<K> {
  private readonly tails = new Map<K, Promise<unknown>>();

  run<T>(key: K, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}
