import { createHash } from 'node:crypto';
import { readIdempotencyKey, requestFingerprint, routedPath } from './fingerprint';

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

describe('requestFingerprint with a deadline', () => {
  it('should stay what it was before deadlines existed when none is given, so stored records still replay', () => {
    const before = createHash('sha256')
      .update('POST /v1/servers/cm:1/stop\n{"force":false}')
      .digest('base64url');
    expect(requestFingerprint('POST', '/v1/servers/cm:1/stop', { force: false })).toBe(before);
    expect(requestFingerprint('POST', '/v1/servers/cm:1/stop', { force: false }, undefined)).toBe(before);
  });

  it('should tell apart the same request with another deadline, or with none', () => {
    const without = requestFingerprint('POST', '/v1/servers', { a: 1 });
    const short = requestFingerprint('POST', '/v1/servers', { a: 1 }, 120);
    expect(short).not.toBe(without);
    expect(requestFingerprint('POST', '/v1/servers', { a: 1 }, 600)).not.toBe(short);
    expect(requestFingerprint('POST', '/v1/servers', { a: 1 }, 120)).toBe(short);
  });
});

describe('routedPath', () => {
  it.each([
    ['/v1/servers/', '/v1/servers'],
    ['/v1/servers?x=1', '/v1/servers'],
    ['/v1/servers/?x=1', '/v1/servers'],
    ['/v1/servers/cm-a%3Asrv-1/reboot', '/v1/servers/cm-a:srv-1/reboot'],
    ['/v1/servers/cm-a:srv-1/reboot/', '/v1/servers/cm-a:srv-1/reboot'],
    ['/v1/servers/cm-a:a%2Fb/reboot', '/v1/servers/cm-a:a%2Fb/reboot'],
    ['/v1/servers/cm-a:100%25/reboot', '/v1/servers/cm-a:100%25/reboot'],
    ['/', '/'],
  ])('should read %p as the router does: %p', (path, routed) => {
    expect(routedPath(path)).toBe(routed);
  });

  it('should keep apart paths the router tells apart', () => {
    expect(routedPath('/v1/servers/cm-a:a%2Fb/reboot')).not.toBe(routedPath('/v1/servers/cm-a:a/b/reboot'));
    expect(routedPath('/v1/servers//')).not.toBe(routedPath('/v1/servers'));
  });
});

describe('requestFingerprint paths', () => {
  it('should be the same for a path with a trailing slash or percent-encoded characters', () => {
    const base = requestFingerprint('POST', '/v1/servers', { a: 1 });
    expect(requestFingerprint('POST', '/v1/servers/', { a: 1 })).toBe(base);
    expect(requestFingerprint('POST', '/v1/%73ervers', { a: 1 })).toBe(base);
    expect(requestFingerprint('POST', '/v1/servers/cm%3Ax/stop', {})).toBe(
      requestFingerprint('POST', '/v1/servers/cm:x/stop', {}),
    );
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
