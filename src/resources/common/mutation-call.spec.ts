import { readDeadlineSeconds } from './mutation-call';

describe('readDeadlineSeconds', () => {
  it('should read an integer, and nothing when absent', () => {
    expect(readDeadlineSeconds({ deadlineSeconds: '120' })).toBe(120);
    expect(readDeadlineSeconds({ deadlineSeconds: '604800' })).toBe(604_800); // a connection's ceiling is judged later
    expect(readDeadlineSeconds({})).toBeUndefined();
    expect(readDeadlineSeconds(undefined)).toBeUndefined();
  });

  it.each([['0'], ['-5'], ['604801'], ['1.5'], ['abc'], [''], ['1e3'], [['60', '120']], ['9'.repeat(20)]])(
    'should refuse %p with 400 naming deadlineSeconds',
    (value) => {
      expect(() => readDeadlineSeconds({ deadlineSeconds: value })).toThrow(
        expect.objectContaining({
          status: 400,
          errors: [expect.objectContaining({ field: 'deadlineSeconds' })],
        }),
      );
    },
  );
});
