import { MemoryClaims } from './memory-claims';

describe('MemoryClaims', () => {
  it('gives a key to one owner at a time, lets that owner renew it, and frees it on release', async () => {
    const claims = new MemoryClaims();
    expect(await claims.claim('server:7', 'task-a', 60_000)).toBe(true);
    expect(await claims.claim('server:7', 'task-b', 60_000)).toBe(false);
    expect(await claims.claim('server:7', 'task-a', 60_000)).toBe(true);
    await claims.release('server:7', 'task-b');
    expect(await claims.claim('server:7', 'task-b', 60_000)).toBe(false);
    await claims.release('server:7', 'task-a');
    expect(await claims.claim('server:7', 'task-b', 60_000)).toBe(true);
  });

  it('lets a lease lapse, so that a crashed owner does not hold a key for ever', async () => {
    const claims = new MemoryClaims();
    expect(await claims.claim('server:7', 'task-a', -1)).toBe(true);
    expect(await claims.claim('server:7', 'task-b', 60_000)).toBe(true);
  });
});
