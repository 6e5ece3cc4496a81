import { ResourceType } from '../domain/states';
import { decodeEntry, encodeEntry, lineParts, type HistoryEntry } from './history-entry.codec';

const at = Date.parse('2026-12-07T12:00:00.123Z');

const gateway: HistoryEntry = {
  at,
  source: 'gateway',
  action: 'server.stop',
  actor: { keyName: 'team|a' },
  taskId: '01JEXAMPLE0000000000000000',
  status: 'succeeded',
  fromState: 'running',
  toState: 'stopped',
};

const observed: HistoryEntry = {
  at,
  source: 'observed',
  action: 'state.changed',
  actor: null,
  taskId: null,
  status: null,
  fromState: null,
  toState: 'running',
};

describe('history entry codec (docs/design.md#history)', () => {
  it.each([
    ['a task entry', gateway],
    ['an observed change', observed],
    [
      'a failed task without actor or states',
      { ...gateway, actor: null, status: 'failed', fromState: null, toState: null },
    ],
    [
      'a canceled create',
      { ...gateway, action: 'server.create', status: 'canceled', fromState: null, toState: null },
    ],
    ['a delete', { ...gateway, action: 'server.delete', fromState: 'stopped', toState: 'deleted' }],
  ] as Array<[string, HistoryEntry]>)('round-trips %s', (_, entry) => {
    expect(decodeEntry(ResourceType.Server, encodeEntry(ResourceType.Server, entry))).toEqual(entry);
  });

  it('is a short line: the type is not repeated and no JSON keys', () => {
    const line = encodeEntry(ResourceType.Server, gateway);
    expect(line).toBe(`${at.toString(36)}|g|s|stop|running|stopped|01JEXAMPLE0000000000000000|team|a`);
    expect(line.length).toBeLessThan(70);
  });

  it('builds the same line from the halves the scripts join around the time and the from-state', () => {
    const { before, after } = lineParts(ResourceType.Volume, { ...gateway, action: 'volume.attach' });
    expect(`${at.toString(36)}|${before}running${after}`).toBe(
      encodeEntry(ResourceType.Volume, { ...gateway, action: 'volume.attach' }),
    );
  });

  it('reads the action with the type of the list it is in', () => {
    const line = encodeEntry(ResourceType.Ip, { ...gateway, action: 'ip.attach' });
    expect(decodeEntry(ResourceType.Ip, line)?.action).toBe('ip.attach');
  });

  it.each([
    '',
    'garbage',
    'zz|x|s|stop|a|b|c|d',
    '!!|g|s|stop|a|b|c|d',
    'abc|g|q|stop|a|b|c|d',
    'abc|g|s|stop|a|b',
  ])('skips a malformed line %p', (line) => {
    expect(decodeEntry(ResourceType.Server, line)).toBeNull();
  });
});
