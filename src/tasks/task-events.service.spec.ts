import { Redis } from 'ioredis';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keys } from '../common/redis/keys';
import type { GatewayConfig } from '../config/gateway-config';
import { ResourceType } from '../domain/states';
import { findRedisBinary, startEmbeddedRedis, type EmbeddedRedis } from '../../sandbox/embedded-redis';
import type { TaskEvent } from './task-event';
import { encodeEvent } from './task-event.codec';
import { TaskEvents } from './task-events.service';
import { summarize, TaskStatus, type Task } from './task.dto';

const config = {
  providers: [{ name: 'a' }, { name: 'b' }],
  events: { retainEvents: 1_000 },
} as unknown as GatewayConfig;

let seq = 0;
const task = (provider: string): Task =>
  ({
    id: `01JTASK${String(++seq).padStart(19, '0')}`,
    provider,
    operation: 'network.create',
    status: TaskStatus.Running,
    progress: null,
    step: null,
    providerStatus: null,
    resource: { type: ResourceType.Network, id: null },
    steps: [],
    errorCode: null,
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
  }) as unknown as Task;

const until = async (check: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('TaskEvents (docs/design.md#task-events-and-sse)', () => {
  let server: EmbeddedRedis;
  let redis: Redis;
  let blocking: Redis;
  let events: TaskEvents;

  beforeAll(async () => {
    const binary = findRedisBinary({
      install: false,
      searchPath: process.env.PATH ?? '',
      log: () => undefined,
    });
    server = await startEmbeddedRedis({ dir: mkdtempSync(join(tmpdir(), 'task-events-redis-')), binary });
    redis = new Redis(server.url);
  });

  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  beforeEach(async () => {
    await redis.flushall();
    blocking = new Redis(server.url);
    events = new TaskEvents(redis, blocking, config);
  });

  afterEach(() => {
    events.onApplicationShutdown();
    blocking.disconnect();
  });

  it("publishes to the task's connection's stream", async () => {
    const id = await events.publish('task.created', task('b'));
    expect(await redis.xlen(keys.events('a'))).toBe(0);
    const [[entryId]] = (await redis.xrange(keys.events('b'), '-', '+')) as Array<[string, string[]]>;
    expect(entryId).toBe(id);
  });

  it('reads a page merged across the connections, from positions or from one id on every stream', async () => {
    // Explicit ids: the same milliseconds on both streams.
    const add = (connection: string, id: string) =>
      redis.xadd(keys.events(connection), id, ...encodeEvent('task.updated', summarize(task(connection))));
    await add('a', '100-0');
    await add('b', '100-0');
    await add('b', '150-0');
    await add('a', '200-0');
    await add('a', '200-1');
    const label = (list: TaskEvent[]) => list.map((e) => `${e.provider}@${e.id}`);
    expect(label(await events.range('0-0', 10))).toEqual([
      'a@100-0',
      'b@100-0',
      'b@150-0',
      'a@200-0',
      'a@200-1',
    ]);
    expect(label(await events.range('100-0', 2))).toEqual(['b@150-0', 'a@200-0']);
    const only = new Map([['b', '100-0']]);
    expect(label(await events.range(only, 10))).toEqual(['b@150-0']);
  });

  it('skips an entry whose event names another connection than its stream', async () => {
    await redis.xadd(keys.events('a'), '*', ...encodeEvent('task.updated', summarize(task('b'))));
    expect(await events.range('0-0', 10)).toEqual([]);
  });

  it("follows every connection's stream from where each stood when the listener was added", async () => {
    await events.publish('task.created', task('a'));
    const earlier = await redis.xrevrange(keys.events('a'), '+', '-', 'COUNT', 1);
    const seen: TaskEvent[] = [];
    const following = await events.follow((event) => seen.push(event));
    expect(following.positions).toEqual(
      new Map([
        ['a', earlier[0][0]],
        ['b', '0-0'],
      ]),
    );
    const ids = [
      await events.publish('task.updated', task('b')),
      await events.publish('task.updated', task('a')),
      await events.publish('task.succeeded', task('b')),
    ];
    await until(() => seen.length === 3);
    expect(seen.map((e) => e.id).sort()).toEqual([...ids].sort());
    expect(seen.filter((e) => e.provider === 'b').map((e) => e.type)).toEqual([
      'task.updated',
      'task.succeeded',
    ]);
    following.stop();
    expect(events.listenerCount).toBe(0);
  });

  it('lets a second listener start where the reader stands by then', async () => {
    const first: TaskEvent[] = [];
    await events.subscribe((event) => first.push(event));
    await events.publish('task.created', task('a'));
    await until(() => first.length === 1);
    const later = await events.follow(() => undefined);
    expect(later.positions.get('a')).toBe(first[0].id);
  });
});
