/**
 * One backend connection's request budget, shared by every gateway process (docs/design.md#poll-budget): the
 * whole gateway sends the backend at most the connection's `requestsPerSecond`, and a backend that answers 429
 * (or 503 with Retry-After) holds every call of the connection until the time it named.
 */
export interface RequestBudget {
  /**
   * Resolves when this process may send one request. Rejects with `BudgetWaitTooLong` as soon as it knows the next
   * slot comes later than `maxWaitMs` from the call (so a caller fails at once instead of waiting in vain), and with
   * the signal's reason when `signal` is aborted.
   */
  take(options?: BudgetTakeOptions): Promise<void>;
  /** Holds every take of the connection, in every process, for `ms` from now. Never rejects. */
  pause(ms: number): Promise<void>;
}

export interface BudgetTakeOptions {
  signal?: AbortSignal;
  /** Longest wait for a slot; unbounded when absent. */
  maxWaitMs?: number;
}

/** The budget has no slot within the wait the caller allowed; nothing was sent. */
export class BudgetWaitTooLong extends Error {
  constructor(
    /** How long until the next slot, as far as the budget knows. */
    readonly waitMs: number,
  ) {
    super(`The request budget has no slot for ${Math.ceil(waitMs)} ms.`);
    this.name = 'BudgetWaitTooLong';
  }
}

/** What a budget tells its metrics: a take that had to wait, a pause a backend asked for, a switch to the fallback. */
export type BudgetEvent = 'wait' | 'pause' | 'fallback';
