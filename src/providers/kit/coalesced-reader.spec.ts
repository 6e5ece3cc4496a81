import { CoalescedReader } from './coalesced-reader';

describe('CoalescedReader', () => {
  it('should answer concurrent reads with one list call', async () => {
    const listAll = jest.fn(async () => [
      { id: 'a', state: 'up' },
      { id: 'b', state: 'down' },
    ]);
    const reader = new CoalescedReader(listAll, (item) => item.id, 5);
    const results = await Promise.all([
      reader.get('a'),
      reader.get('b'),
      reader.get('missing'),
      reader.get('a'),
    ]);
    expect(results).toEqual([
      { id: 'a', state: 'up' },
      { id: 'b', state: 'down' },
      null,
      { id: 'a', state: 'up' },
    ]);
    expect(listAll).toHaveBeenCalledTimes(1);
  });

  it('should list again for reads after the batch closed', async () => {
    const listAll = jest.fn(async () => [{ id: 'a' }]);
    const reader = new CoalescedReader(listAll, (item) => item.id, 5);
    await reader.get('a');
    await reader.get('a');
    expect(listAll).toHaveBeenCalledTimes(2);
  });

  it('should fail every waiter of a batch whose list failed', async () => {
    const reader = new CoalescedReader<{ id: string }>(
      () => Promise.reject(new Error('down')),
      (item) => item.id,
      5,
    );
    await expect(Promise.all([reader.get('a'), reader.get('b')])).rejects.toThrow('down');
    await expect(reader.get('a')).rejects.toThrow('down');
  });
});
