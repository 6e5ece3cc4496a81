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
