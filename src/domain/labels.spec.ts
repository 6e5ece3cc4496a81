import {
  labelProblem,
  matchesLabels,
  MAX_LABELS,
  mergeLabels,
  parseLabelSelector,
  visibleLabels,
} from './labels';

describe('labels (docs/design.md#labels)', () => {
  describe('labelProblem', () => {
    it('should take keys and values within the documented limits', () => {
      expect(
        labelProblem({ env: 'prod', 'team.web_1-a': '', a: 'x'.repeat(128), b: 'A9._:/@+-' }),
      ).toBeNull();
      expect(labelProblem({ ['k'.repeat(63)]: 'v' })).toBeNull();
      expect(
        labelProblem(Object.fromEntries(Array.from({ length: MAX_LABELS }, (_, i) => [`k${i}`, 'v']))),
      ).toBeNull();
    });

    it.each([
      [{ Env: 'prod' }, /label key 'Env' must be/],
      [{ '-env': 'prod' }, /label key '-env'/],
      [{ 'env-': 'prod' }, /label key 'env-'/],
      [{ ['k'.repeat(64)]: 'v' }, /1 to 63/],
      [{ '': 'v' }, /label key ''/],
      [{ env: 'a b' }, /label 'env' must have a value/],
      [{ env: 'x'.repeat(129) }, /at most 128/],
      [{ env: 5 }, /label 'env' must have a value/],
      [{ env: null }, /label 'env' must have a value/],
      [{ 'cloudmux.owner': 'x' }, /reserved for the gateway/],
      [{ gwabcdefghij: '' }, /reserved for the gateway/],
      [{ gwtask: 'x' }, /reserved for the gateway/],
    ])('should refuse %p', (labels, message) => {
      expect(labelProblem(labels as Record<string, unknown>)).toMatch(message);
    });

    it('should refuse more than 32 labels, and take null (a removal) only where asked', () => {
      const many = Object.fromEntries(Array.from({ length: MAX_LABELS + 1 }, (_, i) => [`k${i}`, 'v']));
      expect(labelProblem(many)).toMatch(/at most 32 labels/);
      expect(labelProblem({ env: null }, true)).toBeNull();
      expect(labelProblem({ 'cloudmux.x': null }, true)).toMatch(/reserved/);
    });
  });

  it('should merge a change: a value sets, null removes, other keys stay', () => {
    const current = { env: 'prod', team: 'web', old: 'x' };
    expect(mergeLabels(current, { env: 'staging', old: null, tier: '' })).toEqual({
      env: 'staging',
      team: 'web',
      tier: '',
    });
    expect(mergeLabels(current, { absent: null })).toEqual(current);
    expect(current).toEqual({ env: 'prod', team: 'web', old: 'x' }); // left alone
  });

  it('should hide the gateway’s own keys from what a backend keeps', () => {
    expect(visibleLabels({ env: 'prod', gw0123456789: '', 'cloudmux.task': 't' })).toEqual({ env: 'prod' });
  });

  describe('label filters', () => {
    it('should read key=value as equal and key as present', () => {
      expect(parseLabelSelector('env=prod')).toEqual({ key: 'env', value: 'prod' });
      expect(parseLabelSelector('env=')).toEqual({ key: 'env', value: '' });
      expect(parseLabelSelector('team')).toEqual({ key: 'team' });
      expect(parseLabelSelector('url=a/b:c=d')).toMatch(/must compare with a value/);
    });

    it.each(['', '=prod', 'Env=prod', 'env=a b', 'cloudmux.x', `${'k'.repeat(64)}=v`])(
      'should refuse %p with a reason',
      (text) => {
        expect(typeof parseLabelSelector(text)).toBe('string');
      },
    );

    it('should match only resources passing every filter', () => {
      const labels = { env: 'prod', team: 'web', empty: '' };
      const filters = (...texts: string[]) =>
        texts.map((t) => parseLabelSelector(t) as Exclude<ReturnType<typeof parseLabelSelector>, string>);
      expect(matchesLabels(labels, [])).toBe(true);
      expect(matchesLabels(labels, filters('env=prod', 'team'))).toBe(true);
      expect(matchesLabels(labels, filters('empty'))).toBe(true);
      expect(matchesLabels(labels, filters('empty='))).toBe(true);
      expect(matchesLabels(labels, filters('env=staging'))).toBe(false);
      expect(matchesLabels(labels, filters('env=prod', 'owner'))).toBe(false);
      expect(matchesLabels(labels, filters('constructor'))).toBe(false);
      expect(matchesLabels(undefined, filters('env'))).toBe(false);
    });
  });
});
