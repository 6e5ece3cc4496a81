import type { Redis } from 'ioredis';
import { keys } from '../common/redis/keys';
import { hashTag, slotGroups } from './task-event-slots';

const client = (isCluster: boolean) => ({ isCluster }) as unknown as Redis;

describe('stream read groups (docs/design.md#task-events-and-sse)', () => {
  it('reads the hash tag as Redis Cluster does', () => {
    expect(hashTag(keys.events('cm-a'))).toBe('cm-a');
    expect(hashTag(keys.webhooks())).toBe('_wh');
    expect(hashTag('gw:{}:x{y}')).toBe('gw:{}:x{y}');
    expect(hashTag('no-tag')).toBe('no-tag');
  });

  it('names every stream in one command on one server, one connection per command on a cluster', () => {
    const streams = ['a', 'b'].flatMap((c) => [keys.events(c), keys.changes(c)]);
    expect(slotGroups(client(false), streams)).toEqual([streams]);
    expect(slotGroups(client(true), streams)).toEqual([
      [keys.events('a'), keys.changes('a')],
      [keys.events('b'), keys.changes('b')],
    ]);
    expect(slotGroups(client(false), [])).toEqual([]);
  });
});
