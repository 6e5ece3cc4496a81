import { MemorySharedPolls } from '../../kit/memory-shared-polls';
import { PolledReader, Unreadable } from './wait.steps';
import { ImcoServer } from '../client/wire';

// The polled lists behind the wait steps (issue 12): a malformed item is unreadable, never missing.

const server = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: id,
  state: 'inactive',
  ...extra,
});

const readerOf = (listAll: () => Promise<unknown[]>) =>
  new PolledReader(new MemorySharedPolls(), 'servers', 1_000, listAll, ImcoServer);

describe('PolledReader', () => {
  it('should answer every poll of a tick with one list call, and items that pass their checks as they are', async () => {
    const listAll = jest.fn().mockResolvedValue([server('a'), server('b')]);
    const reader = readerOf(listAll);
    const [a, b, c] = await Promise.all([reader.get('a', 0), reader.get('b', 0), reader.get('c', 0)]);
    expect(listAll).toHaveBeenCalledTimes(1);
    expect(a).toEqual(server('a'));
    expect(b).toEqual(server('b'));
    expect(c).toBeNull();
  });

  it('should answer an item that fails its checks as unreadable, saying why', async () => {
    const reader = readerOf(async () => [server('a', { state: 42 })]);
    const value = await reader.get('a', 0);
    expect(value).toBeInstanceOf(Unreadable);
    expect((value as Unreadable).providerStatus).toMatch(/^unreadable: not a IMCO server: \/state/);
  });

  it('should not take an id missing from an answer with nameless malformed items for a deleted one', async () => {
    const reader = readerOf(async () => [null, { name: 'no id' }, server('b')]);
    expect(await reader.get('b', 0)).toEqual(server('b'));
    const hidden = await reader.get('a', 0);
    expect(hidden).toBeInstanceOf(Unreadable);
    expect((hidden as Unreadable).providerStatus).toBe(
      'unreadable: the answer has 2 item(s) without a usable id',
    );
  });

  it('should keep a long reason short in the status a task shows', () => {
    expect(new Unreadable('x'.repeat(1_000)).providerStatus).toHaveLength(200);
  });
});
