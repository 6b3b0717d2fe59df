/**
 * Measures how late a timer fires: a blocked event loop shows up as lag, which the liveness probe reports
 * (a process that still accepts connections but never runs callbacks is not alive).
 */
export class EventLoopLag {
  private lagMs = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly intervalMs = 500) {
    let expected = performance.now() + intervalMs;
    this.timer = setInterval(() => {
      const now = performance.now();
      this.lagMs = Math.max(0, now - expected);
      expected = now + intervalMs;
    }, intervalMs).unref();
  }

  get currentMs(): number {
    return this.lagMs;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
