import type { BudgetEvent, BudgetTakeOptions, RequestBudget } from '../ports/request-budget';
import {
  budgetShape,
  gcraAfterPause,
  gcraTake,
  realClock,
  takeWithin,
  type BudgetClock,
} from './budget-gcra';

export interface MemoryRequestBudgetOptions {
  requestsPerSecond: number;
  /** The burst is about this much traffic at the full rate (default 50 ms, at least one request). */
  burstWindowMs?: number;
  clock?: BudgetClock;
  onEvent?(event: BudgetEvent): void;
}

/**
 * One process's request budget (docs/design.md#poll-budget): adapters' specs, single-process tools, and the
 * per-process share the Redis budget falls back to while Redis cannot be reached.
 */
export class MemoryRequestBudget implements RequestBudget {
  private tat = Number.NEGATIVE_INFINITY;
  private pausedUntil = Number.NEGATIVE_INFINITY;
  private readonly intervalMs: number;
  private readonly burst: number;
  private readonly clock: BudgetClock;

  constructor(private readonly options: MemoryRequestBudgetOptions) {
    ({ intervalMs: this.intervalMs, burst: this.burst } = budgetShape(
      options.requestsPerSecond,
      options.burstWindowMs ?? 50,
    ));
    this.clock = options.clock ?? realClock;
  }

  /** Takes a slot now if there is one: 0, or the ms until the next. */
  tryTake(): number {
    const now = this.clock.now();
    if (this.pausedUntil > now) return this.pausedUntil - now;
    const grant = gcraTake(this.tat, now, this.intervalMs, this.burst, 1);
    if (grant.granted === 0) return grant.waitMs;
    this.tat = grant.tat;
    return 0;
  }

  take(options?: BudgetTakeOptions): Promise<void> {
    return takeWithin(
      () => this.tryTake(),
      this.clock,
      options,
      () => this.options.onEvent?.('wait'),
    );
  }

  pause(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    const until = this.clock.now() + ms;
    this.options.onEvent?.('pause');
    if (until > this.pausedUntil) this.pausedUntil = until;
    this.tat = gcraAfterPause(this.tat, until, this.intervalMs, this.burst);
    return Promise.resolve();
  }
}
