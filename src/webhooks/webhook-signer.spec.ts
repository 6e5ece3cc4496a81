import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { newSecret } from './webhook-secret';
import { messageIdOf, signAttempt } from './webhook-signer';

describe('webhook signing (Standard Webhooks)', () => {
  const body = JSON.stringify({
    type: 'task.succeeded',
    timestamp: '2026-01-01T00:00:00.000Z',
    data: { id: 'x' },
  });

  it('should sign so that the reference library verifies the request', () => {
    const secret = newSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const headers = signAttempt(secret, 'e.cm-a.1700000000000-0', body, new Date());
    expect(headers['webhook-id']).toBe('msg_e.cm-a.1700000000000-0');
    expect(headers['webhook-timestamp']).toMatch(/^\d{10}$/);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('should be v1 + base64 HMAC-SHA256 of "id.timestamp.body" keyed with the decoded secret', () => {
    const secret = newSecret();
    const at = new Date('2026-03-04T05:06:07.890Z');
    const headers = signAttempt(secret, 'd1', body, at);
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`msg_d1.${1772600767}.${body}`).digest('base64');
    expect(headers).toEqual({
      'webhook-id': messageIdOf('d1'),
      'webhook-timestamp': '1772600767',
      'webhook-signature': `v1,${expected}`,
    });
  });

  it('should not verify with another secret or another body', () => {
    const headers = signAttempt(newSecret(), 'd2', body, new Date());
    expect(() => new Webhook(newSecret()).verify(body, { ...headers })).toThrow();
    const secret = newSecret();
    const signed = signAttempt(secret, 'd2', body, new Date());
    expect(() => new Webhook(secret).verify(`${body} `, { ...signed })).toThrow();
  });
});
