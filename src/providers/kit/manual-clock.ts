import type { BudgetClock } from './budget-gcra';

/**
 * A budget clock moved by hand (specs of the budgets and of their callers): a sleep ends when `advance` moves the
 * clock past it, so a test states an order of events and never waits for real time.
 */
export class ManualClock implements BudgetClock {
  at = 0;
  private readonly sleepers: Array<{ until: number; wake: () => void }> = [];

  now(): number {
    return this.at;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const sleeper = { until: this.at + ms, wake: resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', () => {
        this.sleepers.splice(this.sleepers.indexOf(sleeper), 1);
        reject(signal.reason as Error);
      });
    });
  }

  get sleeping(): number {
    return this.sleepers.length;
  }

  advance(ms: number): void {
    this.at += ms;
    for (const sleeper of this.sleepers.filter((s) => s.until <= this.at)) {
      this.sleepers.splice(this.sleepers.indexOf(sleeper), 1);
      sleeper.wake();
    }
  }
}
