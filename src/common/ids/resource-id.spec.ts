import { formatResourceId, parseResourceId, resolveNativeRef } from './resource-id';

describe('resource ids', () => {
  it('should split on the first colon when the id is well formed', () => {
    expect(parseResourceId('sandbox-cloudsigma:23a89931-424b-4d20-bcc0-0f7815809ec7')).toEqual({
      connection: 'sandbox-cloudsigma',
      nativeId: '23a89931-424b-4d20-bcc0-0f7815809ec7',
    });
    expect(parseResourceId('dc1:42')).toEqual({ connection: 'dc1', nativeId: '42' });
    expect(parseResourceId('cs-zrh:91.203.56.71')).toEqual({
      connection: 'cs-zrh',
      nativeId: '91.203.56.71',
    });
  });

  it.each([
    '',
    'nocolon',
    ':42',
    'dc1:',
    'DC1:42',
    '-dc:42',
    'dc1:4:2',
    'dc1:a/b',
    'dc1:a b',
    'dc1:%2e',
    'dc1:.',
    'dc1:..',
    `${'a'.repeat(41)}:1`,
    `dc1:${'x'.repeat(201)}`,
  ])('should reject %p', (id) => {
    expect(parseResourceId(id)).toBeNull();
  });

  it('should round-trip format and parse', () => {
    const id = formatResourceId('imco-eu', '620b61d27f8081000a9783b4');
    expect(parseResourceId(id)).toEqual({ connection: 'imco-eu', nativeId: '620b61d27f8081000a9783b4' });
  });

  it('should accept a bare native id or a full id of the same connection as a reference', () => {
    expect(resolveNativeRef('abc-1', 'c1')).toBe('abc-1');
    expect(resolveNativeRef('c1:abc-1', 'c1')).toBe('abc-1');
    expect(resolveNativeRef('c2:abc-1', 'c1')).toBeNull();
    expect(resolveNativeRef('a b', 'c1')).toBeNull();
    // A dot segment makes a backend URL name the collection (CloudSigma answered `cs:.` with a server).
    expect(resolveNativeRef('..', 'c1')).toBeNull();
    expect(resolveNativeRef('c1:.', 'c1')).toBeNull();
    expect(resolveNativeRef('a..b', 'c1')).toBe('a..b');
  });
});
