import type { PayloadType } from './webhook';

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'discarded';

/** One try at sending a delivery. */
export interface DeliveryAttempt {
  at: string;
  /** The receiver's HTTP status; null when no answer came (refused target, connection error, timeout). */
  statusCode: number | null;
  latencyMs: number;
  /** Why the attempt failed; null when it succeeded. */
  error: string | null;
}

/** One event sent to one webhook, with every attempt (docs/design.md#webhooks). */
export interface DeliveryRecord {
  /** Deterministic per event (the same on every retry and re-read): `webhook-id` is `msg_<id>`. */
  id: string;
  webhookId: string;
  /** The event's entry id in its connection's stream (task events or changes), or the test's own id. */
  eventId: string;
  eventType: PayloadType;
  status: DeliveryStatus;
  attempts: DeliveryAttempt[];
  /** When the next attempt is due while one is; else null. */
  nextRetryAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Attempts a record keeps: the configured maximum is 30; a stalled job may add a few more. */
export const MAX_RECORDED_ATTEMPTS = 40;

export function newDelivery(
  fields: Pick<DeliveryRecord, 'id' | 'webhookId' | 'eventId' | 'eventType'>,
  now: Date,
): DeliveryRecord {
  const at = now.toISOString();
  return { ...fields, status: 'pending', attempts: [], nextRetryAt: null, createdAt: at, updatedAt: at };
}

/** A record may change only while pending: an ended delivery stays as it ended. */
export const isOpen = (record: DeliveryRecord) => record.status === 'pending';

/**
 * The record after an attempt. A success ends it `succeeded`; a failure keeps it `pending` with `nextRetryAt`
 * while `retryAt` is given (attempts remain), else ends it `failed`.
 */
export function afterAttempt(
  record: DeliveryRecord,
  attempt: DeliveryAttempt,
  retryAt: Date | null,
  now: Date,
): DeliveryRecord {
  if (!isOpen(record)) return record;
  const attempts = [...record.attempts, attempt].slice(-MAX_RECORDED_ATTEMPTS);
  const ok = attempt.error === null;
  return {
    ...record,
    attempts,
    status: ok ? 'succeeded' : retryAt ? 'pending' : 'failed',
    nextRetryAt: !ok && retryAt ? retryAt.toISOString() : null,
    updatedAt: now.toISOString(),
  };
}

/** The record of a delivery dropped before its next attempt: its webhook was deleted or disabled meanwhile. */
export function discarded(record: DeliveryRecord, now: Date): DeliveryRecord {
  if (!isOpen(record)) return record;
  return { ...record, status: 'discarded', nextRetryAt: null, updatedAt: now.toISOString() };
}

/** A delivery whose job ended without settling it (an unexpected error on its last attempt). */
export function abandoned(record: DeliveryRecord, now: Date): DeliveryRecord {
  if (!isOpen(record)) return record;
  return { ...record, status: 'failed', nextRetryAt: null, updatedAt: now.toISOString() };
}
