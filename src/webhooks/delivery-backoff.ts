/** The first retry waits this long; each next one twice as long (docs/design.md#webhooks). */
export const FIRST_RETRY_DELAY_MS = 1_000;
/** Longest wait between two attempts, so that 30 attempts end within about a day rather than years. */
export const MAX_RETRY_DELAY_MS = 3_600_000;
/** The BullMQ backoff type of delivery jobs, computed by `deliveryBackoff` in the worker. */
export const DELIVERY_BACKOFF_TYPE = 'webhook-exponential';

/** Milliseconds before the attempt after `failedAttempts` failed ones: 1 s, 2 s, 4 s… at most an hour. */
export function deliveryBackoff(failedAttempts: number): number {
  const exponent = Math.min(Math.max(failedAttempts - 1, 0), 30);
  return Math.min(FIRST_RETRY_DELAY_MS * 2 ** exponent, MAX_RETRY_DELAY_MS);
}
