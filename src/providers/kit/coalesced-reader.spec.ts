import type { OperationStep } from '../ports/operation-plan';
import { CoalescedReader, NotListedYet, untilListed, withoutCredentials } from './coalesced-reader';
import { MemorySharedPolls } from './memory-shared-polls';

// The in-process side of coalesced polling (docs/design.md#coalesced-polling); the Redis side, shared by processes,
// is src/providers/registry/redis-shared-polls.spec.ts. The clock is the test's.

const TICK = 100;

describe('CoalescedReader over shared polls', () => {
  let now: number;
  const clock = () => now;
  const byId = (items: readonly unknown[]) => new Map((items as Array<{ id: string }>).map((i) => [i.id, i]));

  beforeEach(() => {
    now = 10_000;
  });

  it('should answer concurrent reads with one list call, indexed once', async () => {
    const listAll = jest.fn(async () => [
      { id: 'a', state: 'up' },
      { id: 'b', state: 'down' },
    ]);
    const index = jest.fn(byId);
    const reader = new CoalescedReader(new MemorySharedPolls(clock), 'servers', TICK, listAll, index, clock);
    const read = () => reader.read(now - 1);
    const results = await Promise.all([read(), read(), read()]);
    expect(results[0].get('a')).toEqual({ id: 'a', state: 'up' });
    expect(results[0].get('missing')).toBeUndefined();
    expect(results.every((r) => r === results[0])).toBe(true);
    expect(listAll).toHaveBeenCalledTimes(1);
    expect(index).toHaveBeenCalledTimes(1);
  });

  it('should list again once the tick passed, and not before', async () => {
    const listAll = jest.fn(async () => [{ id: 'a' }]);
    const reader = new CoalescedReader(new MemorySharedPolls(clock), 'servers', TICK, listAll, byId, clock);
    await reader.read(now - 1);
    now += TICK - 1;
    await reader.read(0);
    expect(listAll).toHaveBeenCalledTimes(1);
    now += 1;
    await reader.read(0);
    expect(listAll).toHaveBeenCalledTimes(2);
  });

  it('should not judge a step by a list begun before it started, and let the step wait for the next tick', async () => {
    const reader = new CoalescedReader(
      new MemorySharedPolls(clock),
      'servers',
      TICK,
      async () => [{ id: 'a' }],
      byId,
      clock,
    );
    await reader.read(now - 1); // another task's read: the list is from now
    now += 30;
    const started = now;
    const early = reader.read(started);
    await expect(early).rejects.toBeInstanceOf(NotListedYet);
    const { retryInMs } = (await early.catch((error: NotListedYet) => error)) as NotListedYet;
    expect(retryInMs).toBeGreaterThanOrEqual(TICK - 30);
    expect(retryInMs).toBeLessThanOrEqual(TICK - 30 + TICK / 10);

    const step: OperationStep = untilListed({
      name: 'wait-running',
      run: async (ctx) =>
        (await reader.read(ctx.stepStartedAt)).has('a')
          ? { status: 'done' }
          : {
              status: 'wait',
              delayMs: 1,
            },
    });
    const ctx = { taskId: 't', nativeId: 'a', state: {}, polls: 0, stepStartedAt: started, resumed: false };
    expect(await step.run(ctx)).toMatchObject({ status: 'wait', delayMs: expect.any(Number) });
    now += TICK;
    expect(await step.run(ctx)).toEqual({ status: 'done' });
  });

  it('should fail every waiter of a list call that failed, and list again on the next read', async () => {
    const listAll = jest
      .fn<Promise<Array<{ id: string }>>, []>()
      .mockRejectedValueOnce(new Error('down'))
      .mockResolvedValue([{ id: 'a' }]);
    const reader = new CoalescedReader(new MemorySharedPolls(clock), 'servers', TICK, listAll, byId, clock);
    await expect(Promise.all([reader.read(0), reader.read(0)])).rejects.toThrow('down');
    expect((await reader.read(0)).has('a')).toBe(true);
    expect(listAll).toHaveBeenCalledTimes(2);
  });

  it('should keep collections apart', async () => {
    const polls = new MemorySharedPolls(clock);
    const servers = new CoalescedReader(polls, 'servers', TICK, async () => [{ id: 's' }], byId, clock);
    const drives = new CoalescedReader(polls, 'drives', TICK, async () => [{ id: 'd' }], byId, clock);
    expect([...(await servers.read(0)).keys()]).toEqual(['s']);
    expect([...(await drives.read(0)).keys()]).toEqual(['d']);
  });
});

describe('withoutCredentials (shared poll snapshots are stored in Redis)', () => {
  it('drops credential fields at any depth and keeps the rest', () => {
    const record = {
      uuid: 's1',
      status: 'running',
      vnc_password: 'v3ry-s3cret',
      meta: { ssh_public_key: 'ssh-ed25519 AAAA', root_password: 'x', api_token: 'y' },
      nics: [{ mac: 'aa', secret: 'z' }],
    };
    expect(withoutCredentials(record)).toEqual({
      uuid: 's1',
      status: 'running',
      meta: { ssh_public_key: 'ssh-ed25519 AAAA' },
      nics: [{ mac: 'aa' }],
    });
    expect(JSON.stringify(withoutCredentials(record))).not.toMatch(/v3ry|"x"|"y"|"z"/);
  });
});
