import { readIdempotencyKey, requestFingerprint } from './fingerprint';

describe('requestFingerprint', () => {
  it('should ignore key order when the bodies are the same', () => {
    expect(requestFingerprint('POST', '/v1/servers', { a: 1, b: { c: 2, d: 3 } })).toBe(
      requestFingerprint('post', '/v1/servers', { b: { d: 3, c: 2 }, a: 1 }),
    );
  });

  it('should differ when the body, path or method differ', () => {
    const base = requestFingerprint('POST', '/v1/servers', { a: 1 });
    expect(requestFingerprint('POST', '/v1/servers', { a: 2 })).not.toBe(base);
    expect(requestFingerprint('POST', '/v1/volumes', { a: 1 })).not.toBe(base);
    expect(requestFingerprint('PATCH', '/v1/servers', { a: 1 })).not.toBe(base);
  });
});

describe('readIdempotencyKey', () => {
  it('should accept visible ASCII up to 255 characters', () => {
    expect(readIdempotencyKey('abc-123_XYZ')).toBe('abc-123_XYZ');
    expect(readIdempotencyKey('k'.repeat(255))).toHaveLength(255);
    expect(readIdempotencyKey(undefined)).toBeNull();
  });

  it.each(['', ' ', 'has space', 'k'.repeat(256), 'é'])('should reject %p', (key) => {
    expect(() => readIdempotencyKey(key)).toThrow(/Idempotency-Key/);
  });
});
