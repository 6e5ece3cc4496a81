import { BudgetWaitTooLong, type BudgetTakeOptions } from '../ports/request-budget';

/**
 * The generic cell rate algorithm (GCRA) behind every request budget (docs/design.md#poll-budget), in the form the
 * Redis script repeats: the state is one number, the theoretical arrival time (`tat`) of the next request at the
 * steady rate. At `now`, `burst` tokens fit between `now` and `now + burst × interval`; granting k of them moves
 * `tat` k intervals on. Over any window of W ms at most W / interval + burst tokens are granted.
 */
export interface GcraGrant {
  /** Tokens granted (0 when none was free). */
  granted: number;
  /** The new theoretical arrival time. */
  tat: number;
  /** When none was granted: ms until one is free. */
  waitMs: number;
}

/** Tiny slack against floating-point error in the division. */
const EPSILON = 1e-9;

export function gcraTake(
  tat: number,
  now: number,
  intervalMs: number,
  burst: number,
  want: number,
): GcraGrant {
  const from = Math.max(tat, now);
  const room = Math.floor((now + burst * intervalMs - from) / intervalMs + EPSILON);
  if (room < 1)
    return { granted: 0, tat, waitMs: Math.max(1, Math.ceil(from + intervalMs - burst * intervalMs - now)) };
  const granted = Math.min(want, room);
  return { granted, tat: from + granted * intervalMs, waitMs: 0 };
}

/**
 * The `tat` after a pause until `until`: the first token is free at `until` and the next ones come at the steady
 * rate, so a backend that asked us to slow down does not get a burst the moment the pause ends.
 */
export function gcraAfterPause(tat: number, until: number, intervalMs: number, burst: number): number {
  return Math.max(tat, until + (burst - 1) * intervalMs);
}

/** Time of a budget: real in the gateway, synthetic in tests (which then need no timing). */
export interface BudgetClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: BudgetClock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason as Error);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** The emission interval and the burst of a rate: a burst of about `windowMs` of traffic, at least one token. */
export function budgetShape(
  requestsPerSecond: number,
  windowMs: number,
): { intervalMs: number; burst: number } {
  return {
    intervalMs: 1000 / requestsPerSecond,
    burst: Math.max(1, Math.round((requestsPerSecond * windowMs) / 1000)),
  };
}

/**
 * `take` of a budget from its non-blocking `tryTake` (0 when a slot was taken, otherwise the ms until the next):
 * sleeps until the slot and tries again, and fails at once when the slot is later than the caller would wait.
 */
export async function takeWithin(
  tryTake: () => number | Promise<number>,
  clock: BudgetClock,
  options: BudgetTakeOptions = {},
  onFirstWait?: () => void,
): Promise<void> {
  const started = clock.now();
  const limit = options.maxWaitMs ?? Number.POSITIVE_INFINITY;
  for (let waited = false; ; waited = true) {
    if (options.signal?.aborted) throw options.signal.reason;
    const waitMs = await tryTake();
    if (waitMs <= 0) return;
    if (clock.now() - started + waitMs > limit) throw new BudgetWaitTooLong(waitMs);
    if (!waited) onFirstWait?.();
    await clock.sleep(waitMs, options.signal);
  }
}
