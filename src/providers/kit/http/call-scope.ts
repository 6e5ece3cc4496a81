import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<AbortSignal>();

/**
 * Runs `work` so that every upstream call it makes, directly or through any adapter code, is aborted when
 * `signal` is: the task engine abandons a step at its task's deadline this way, and the step's calls in flight
 * close their sockets and give their bulkhead slots back at once, while calls it would still try fail before
 * anything is sent (an abandoned step must not act on the backend after its task ended).
 */
export function withCallSignal<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  return scope.run(signal, work);
}

/** The signal of the scope the current code runs in, if any. */
export function currentCallSignal(): AbortSignal | undefined {
  return scope.getStore();
}
