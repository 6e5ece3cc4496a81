import { entityTag, ifMatchHolds, noneMatchHits } from './etag';

describe('entityTag', () => {
  const server = {
    id: 'cm:1',
    state: 'running',
    labels: { a: '1', b: '2' },
    stateObservedAt: '2026-01-01T00:00:00Z',
  };

  it('should be a strong, quoted tag of 16 bytes in base64url', () => {
    expect(entityTag(server)).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
  });

  it('should not change with the time of the observation or the order of keys', () => {
    expect(entityTag({ ...server, stateObservedAt: '2026-02-02T00:00:00Z' })).toBe(entityTag(server));
    expect(
      entityTag({ labels: { b: '2', a: '1' }, stateObservedAt: 'later', state: 'running', id: 'cm:1' }),
    ).toBe(entityTag(server));
  });

  it('should change with anything observed', () => {
    expect(entityTag({ ...server, state: 'stopped' })).not.toBe(entityTag(server));
    expect(entityTag({ ...server, labels: { a: '1' } })).not.toBe(entityTag(server));
    expect(entityTag({ ...server, activeTaskId: '01T' })).not.toBe(entityTag(server));
  });
});

describe('noneMatchHits (weak comparison)', () => {
  const tag = '"abc"';

  it.each([
    ['"abc"', true],
    ['W/"abc"', true],
    ['"x", "abc"', true],
    ['"x",W/"abc"', true],
    ['*', true],
    ['"x"', false],
    ['"ABC"', false],
    ['abc', false], // not an entity tag: served as usual
    ['', false],
  ])('%p → %p', (header, hits) => {
    expect(noneMatchHits(header, tag)).toBe(hits);
  });

  it('should read a tag with a comma inside its quotes as one tag, and a header sent twice as one list', () => {
    expect(noneMatchHits('"a,b", "c"', '"a,b"')).toBe(true);
    expect(noneMatchHits('"a,b", "c"', '"a"')).toBe(false);
    expect(noneMatchHits(['"x"', '"abc"'], tag)).toBe(true);
  });

  it('should never match without the header', () => {
    expect(noneMatchHits(undefined, tag)).toBe(false);
  });
});

describe('ifMatchHolds (strong comparison)', () => {
  const tag = '"abc"';

  it.each([
    [undefined, true],
    ['"abc"', true],
    ['"x", "abc"', true],
    ['*', true],
    ['W/"abc"', false], // a weak tag never matches strongly
    ['"x"', false],
    ['"x", W/"abc"', false],
  ])('%p → %p', (header, holds) => {
    expect(ifMatchHolds(header, tag)).toBe(holds);
  });

  it.each(['abc', '"abc', '"a" "b"', '*, "abc"'])('should refuse %p with 400 naming If-Match', (header) => {
    expect(() => ifMatchHolds(header, tag)).toThrow(
      expect.objectContaining({ status: 400, errors: [expect.objectContaining({ field: 'If-Match' })] }),
    );
  });
});
