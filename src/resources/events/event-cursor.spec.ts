import { createHash } from 'node:crypto';
import { CURSOR_PATTERN, decodeCursor, encodeCursor } from './event-cursor';

const positions = (entries: Array<[string, string]>) => new Map(entries);

describe('event cursor (docs/design.md#event-cursor)', () => {
  it('gives back every followed stream its position', () => {
    const at = positions([
      ['cm-a', '1700000000123-0'],
      ['cs-b', '1699999990000-7'],
      ['dci-c', '0-0'],
      ['imco-d', '1700000000123-18446744073709551615'],
    ]);
    const token = encodeCursor(at);
    expect(token).toMatch(CURSOR_PATTERN);
    expect(decodeCursor(token, [...at.keys()])).toEqual(at);
  });

  it('stays small: four connections in well under 100 characters', () => {
    const now = 1_765_000_000_000;
    const token = encodeCursor(
      positions([
        ['sandbox-cloudmc', `${now}-3`],
        ['sandbox-cloudsigma', `${now - 1_500}-0`],
        ['sandbox-dcimanager', `${now - 86_400_000}-0`],
        ['sandbox-imco', `${now - 20}-12`],
      ]),
    );
    expect(token.length).toBeLessThan(100);
  });

  it('takes a plain stream id of earlier versions as that position on every followed stream', () => {
    expect(decodeCursor('1700000000000-5', ['a', 'b'])).toEqual(
      positions([
        ['a', '1700000000000-5'],
        ['b', '1700000000000-5'],
      ]),
    );
    // Spelt as Redis spells it.
    expect(decodeCursor('00000000000000000001-0', ['a'])).toEqual(positions([['a', '1-0']]));
  });

  it('starts a followed stream the token does not name from the token time (that millisecond included)', () => {
    const token = encodeCursor(positions([['a', '1700000000500-2']]));
    expect(decodeCursor(token, ['a', 'b'])).toEqual(
      positions([
        ['a', '1700000000500-2'],
        ['b', '1700000000499-18446744073709551615'],
      ]),
    );
    // Streams it names that are not followed now are left out.
    expect(decodeCursor(token, ['b'])).toEqual(positions([['b', '1700000000499-18446744073709551615']]));
  });

  it('names connections whose digests collide in full, so each keeps its own position', () => {
    const digest = (name: string) =>
      createHash('sha256').update(name).digest().subarray(0, 4).toString('hex');
    expect(digest('c1pf')).toBe(digest('c23jl'));
    const at = positions([
      ['c1pf', '1700000000000-1'],
      ['c23jl', '1700000000000-2'],
      ['other', '1700000000001-0'],
    ]);
    expect(decodeCursor(encodeCursor(at), [...at.keys()])).toEqual(at);
    // A token from before the collision (digest only): the name is ambiguous now, so both start at the base time.
    const before = encodeCursor(positions([['c1pf', '1700000000000-1']]));
    expect(decodeCursor(before, ['c1pf', 'c23jl'])).toEqual(
      positions([
        ['c1pf', '1699999999999-18446744073709551615'],
        ['c23jl', '1699999999999-18446744073709551615'],
      ]),
    );
  });

  it('refuses anything that is not a cursor: damaged, truncated, re-spelt, or past the largest stream id', () => {
    const token = encodeCursor(positions([['a', '1700000000000-1']]));
    const flip = (text: string, at: number) =>
      text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
    for (const bad of [
      'yesterday',
      '',
      '1-',
      '-1',
      '18446744073709551616-0',
      '18446744073709551615-18446744073709551615',
      flip(token, 3),
      flip(token, token.length - 1),
      token.slice(0, -2),
      `${token}A`,
      `${token}=`,
      'A'.repeat(5_000),
      Buffer.from([2, 0, 0, 0]).toString('base64url'),
    ])
      expect([bad, decodeCursor(bad, ['a'])]).toEqual([bad, null]);
    expect(decodeCursor('18446744073709551615-0', ['a'])).toEqual(
      positions([['a', '18446744073709551615-0']]),
    );
  });
});
