import { hasMarker, markedName, taskMarker, unmarkedName } from './markers';

describe('gateway markers', () => {
  const taskId = '01M84Z4D48PXBSSVRQQ1VDD194';

  it('should derive a short lower-case marker from the task id', () => {
    expect(taskMarker(taskId)).toBe('gwrqq1vdd194');
  });

  it('should round-trip a marked name to the caller name', () => {
    const marked = markedName('web-1', taskId);
    expect(marked).toMatch(/^web-1-gw[0-9a-z]{10}$/);
    expect(unmarkedName(marked)).toBe('web-1');
    expect(hasMarker(marked, taskId)).toBe(true);
    expect(hasMarker(marked, '01M84Z4D48PXBSSVRQQ1VDD195')).toBe(false);
  });

  it('should leave names without a marker alone', () => {
    expect(unmarkedName('db-gw-primary')).toBe('db-gw-primary');
    expect(hasMarker(undefined, taskId)).toBe(false);
  });
});
