import { decodePageToken, encodePageToken } from './page-token';

describe('page tokens', () => {
  it('should round-trip the cursor when the query is the same', () => {
    const token = encodePageToken('cm:42', { provider: 'cm', state: 'running' });
    expect(decodePageToken(token, { state: 'running', provider: 'cm' })).toBe('cm:42');
  });

  it('should reject a token used with other filters', () => {
    const token = encodePageToken('cm:42', { state: 'running' });
    expect(() => decodePageToken(token, { state: 'stopped' })).toThrow(/not valid for this query/);
  });

  it('should reject garbage with a validation error', () => {
    expect(() => decodePageToken('%%%not-base64', {})).toThrow(/pageToken/);
    expect(() => decodePageToken(Buffer.from('[1,2]').toString('base64url'), {})).toThrow(/pageToken/);
  });

  it('should refuse a forged token whose cursor the list cannot start after', () => {
    const forged = encodePageToken('not-a-ulid', { state: 'running' });
    const isUlid = (after: string) => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(after);
    expect(() => decodePageToken(forged, { state: 'running' }, isUlid)).toThrow(/pageToken/);
    const honest = encodePageToken('01JAAAAAAAAAAAAAAAAAAAAAAA', { state: 'running' });
    expect(decodePageToken(honest, { state: 'running' }, isUlid)).toBe('01JAAAAAAAAAAAAAAAAAAAAAAA');
  });

  it('should answer null when no token is given', () => {
    expect(decodePageToken(undefined, {})).toBeNull();
  });
});
