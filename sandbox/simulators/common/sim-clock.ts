/**
 * Simulated time: durations written as a person would expect them (seconds) are divided by the speed
 * factor (`SANDBOX_SPEED`; tests use their own). Timers are tracked so `stop()` leaves nothing behind.
 */
export class SimClock {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(readonly speed = 1) {
    if (!(speed > 0)) throw new Error(`speed must be > 0, got ${speed}`);
  }

  /** A duration in real milliseconds for `ms` of simulated time. */
  scaled(ms: number): number {
    return Math.max(0, Math.round(ms / this.speed));
  }

  /** Runs `fn` after `ms` of simulated time. */
  after(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, this.scaled(ms));
    timer.unref();
    this.timers.add(timer);
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
