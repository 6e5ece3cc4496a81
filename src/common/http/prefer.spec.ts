import { parsePreferWait } from './prefer';

describe('parsePreferWait', () => {
  it.each([
    ['wait=10', 10],
    ['respond-async, wait=5', 5],
    ['wait="7"', 7],
    ['WAIT = 3', 3],
    ['wait=600', 60],
    ['wait=0', 0],
  ])('should read %p as %p', (header, expected) => {
    expect(parsePreferWait(header)).toBe(expected);
  });

  it.each([undefined, '', 'respond-async', 'wait=abc', 'wait=-1', 'wait=1e3', 'handling=strict'])(
    'should ignore %p',
    (header) => {
      expect(parsePreferWait(header)).toBeNull();
    },
  );
});
