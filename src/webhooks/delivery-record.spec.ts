import { afterAttempt, abandoned, discarded, newDelivery, type DeliveryAttempt } from './delivery-record';
import { deliveryBackoff } from './delivery-backoff';

const t0 = new Date('2026-01-01T00:00:00.000Z');
const later = (ms: number) => new Date(t0.getTime() + ms);
const fresh = () =>
  newDelivery({ id: 'e1-0', webhookId: 'W', eventId: '1-0', eventType: 'task.created' }, t0);
const failure = (statusCode: number | null, error: string): DeliveryAttempt => ({
  at: t0.toISOString(),
  statusCode,
  latencyMs: 12,
  error,
});
const success: DeliveryAttempt = { at: t0.toISOString(), statusCode: 204, latencyMs: 7, error: null };

describe('delivery records', () => {
  it('should start pending, with no attempt and no retry due', () => {
    expect(fresh()).toEqual({
      id: 'e1-0',
      webhookId: 'W',
      eventId: '1-0',
      eventType: 'task.created',
      status: 'pending',
      attempts: [],
      nextRetryAt: null,
      createdAt: t0.toISOString(),
      updatedAt: t0.toISOString(),
    });
  });

  it('should stay pending with nextRetryAt after a failure with attempts left, and succeed later', () => {
    const once = afterAttempt(fresh(), failure(500, 'HTTP 500'), later(1_000), later(10));
    expect(once).toMatchObject({ status: 'pending', nextRetryAt: later(1_000).toISOString() });
    const twice = afterAttempt(once, failure(null, 'ECONNREFUSED'), later(3_000), later(20));
    const done = afterAttempt(twice, success, null, later(30));
    expect(done.status).toBe('succeeded');
    expect(done.nextRetryAt).toBeNull();
    expect(done.attempts.map((a) => a.statusCode)).toEqual([500, null, 204]);
    expect(done.updatedAt).toBe(later(30).toISOString());
  });

  it('should end failed after the last failed attempt', () => {
    const last = afterAttempt(fresh(), failure(302, 'HTTP 302: redirects are not followed'), null, later(5));
    expect(last).toMatchObject({ status: 'failed', nextRetryAt: null });
  });

  it('should never change an ended delivery', () => {
    const done = afterAttempt(fresh(), success, null, later(1));
    expect(afterAttempt(done, failure(500, 'HTTP 500'), later(9), later(9))).toBe(done);
    expect(discarded(done, later(9))).toBe(done);
    expect(abandoned(done, later(9))).toBe(done);
  });

  it('should be discarded when its webhook went away before the next attempt', () => {
    const pending = afterAttempt(fresh(), failure(500, 'HTTP 500'), later(1_000), later(1));
    expect(discarded(pending, later(2))).toMatchObject({ status: 'discarded', nextRetryAt: null });
  });

  it('should back off exponentially from 1 s, at most an hour', () => {
    expect([1, 2, 3, 4].map(deliveryBackoff)).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(deliveryBackoff(30)).toBe(3_600_000);
  });
});
