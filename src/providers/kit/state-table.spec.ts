import { stateTable } from './state-table';

describe('stateTable', () => {
  const map = stateTable({ Running: 'running', Stopped: 'stopped' }, 'unknown');

  it('should map case-insensitively when the raw state is known', () => {
    expect(map('Running')).toBe('running');
    expect(map('RUNNING')).toBe('running');
    expect(map('stopped')).toBe('stopped');
  });

  it('should answer the fallback and report the raw value when the state is unknown', () => {
    const seen: string[] = [];
    expect(map('Hibernating', (raw) => seen.push(raw))).toBe('unknown');
    expect(seen).toEqual(['Hibernating']);
  });

  it('should answer the fallback for empty values without reporting them', () => {
    const seen: string[] = [];
    expect(map(undefined, (raw) => seen.push(raw))).toBe('unknown');
    expect(map(null, (raw) => seen.push(raw))).toBe('unknown');
    expect(map('', (raw) => seen.push(raw))).toBe('unknown');
    expect(seen).toEqual([]);
  });
});
