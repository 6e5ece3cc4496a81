import { Redis } from 'ioredis';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keys } from '../common/redis/keys';
import type { GatewayConfig } from '../config/gateway-config';
import { ResourceType } from '../domain/states';
import type { OperationName } from '../providers/ports/operations';
import { findRedisBinary, startEmbeddedRedis, type EmbeddedRedis } from '../../sandbox/embedded-redis';
import { HistoryLog } from './history-log.service';
import { OBSERVED, READ_STARTED, script, TASK_ENDED } from './history-scripts';
import { decodeChange } from './resource-change';
import { TaskStatus, type Task } from './task.dto';
import type { TaskInternal } from './task-record';

const config = {
  history: { retentionDays: 30, maxEntries: 50 },
  events: { retainEvents: 1000 },
} as unknown as GatewayConfig;

let seq = 0;
const taskId = () => `01JTASK${String(++seq).padStart(19, '0')}`;

function task(
  operation: OperationName,
  resourceId: string | null,
  status: TaskStatus,
  resultState?: string,
  keyName: string | null = 'ops',
): Task {
  return {
    id: taskId(),
    provider: 'c1',
    operation,
    status,
    resource: { type: operation.split('.')[0] as ResourceType, id: resourceId },
    result: resultState ? ({ state: resultState } as Task['result']) : null,
    ...(keyName ? { actor: { keyName } } : {}),
  } as Task;
}

const internal = (fromState?: string) => ({ fromState }) as TaskInternal;
const server = (nativeId: string, state: string) => ({ nativeId, state });

describe('HistoryLog (docs/design.md#history)', () => {
  let redisServer: EmbeddedRedis;
  let redis: Redis;
  let log: HistoryLog;

  beforeAll(async () => {
    const binary = findRedisBinary({
      install: false,
      searchPath: process.env.PATH ?? '',
      log: () => undefined,
    });
    redisServer = await startEmbeddedRedis({ dir: mkdtempSync(join(tmpdir(), 'history-redis-')), binary });
    redis = new Redis(redisServer.url);
  });

  afterAll(async () => {
    redis.disconnect();
    await redisServer.stop();
  });

  beforeEach(async () => {
    await redis.flushall();
    log = new HistoryLog(redis, config);
  });

  const entries = async (nativeId: string, type = ResourceType.Server) =>
    (await log.page('c1', type, nativeId, null, 100)).entries;
  const changes = async () =>
    ((await redis.xrange(keys.changes('c1'), '-', '+')) as Array<[string, string[]]>).map(([id, f]) =>
      decodeChange(id, f),
    );
  /** A whole list read, as ResourceReaderService does it: watch first, then hand over the answer. */
  const listed = async (items: Array<{ nativeId: string; state: string }>, complete = true) => {
    const watch = log.watch('c1', ResourceType.Server)!;
    await watch.list(items, complete);
  };

  describe('task entries', () => {
    it('records each ended task with its actor, status and the states before and after, newest first', async () => {
      const create = task('server.create', 'c1:s1', TaskStatus.Succeeded, 'running');
      await log.taskEnded(create, internal());
      await log.taskEnded(
        task('server.stop', 'c1:s1', TaskStatus.Succeeded, 'stopped', 'alice'),
        internal('running'),
      );
      await log.taskEnded(task('server.start', 'c1:s1', TaskStatus.Failed), internal('stopped'));
      await log.taskEnded(task('server.delete', 'c1:s1', TaskStatus.Succeeded, undefined, null), internal());

      const got = await entries('s1');
      expect(
        got.map(({ action, actor, status, fromState, toState, source }) => ({
          action,
          actor,
          status,
          fromState,
          toState,
          source,
        })),
      ).toEqual([
        {
          action: 'server.delete',
          actor: null,
          status: 'succeeded',
          fromState: 'stopped',
          toState: 'deleted',
          source: 'gateway',
        },
        {
          action: 'server.start',
          actor: { keyName: 'ops' },
          status: 'failed',
          fromState: 'stopped',
          toState: null,
          source: 'gateway',
        },
        {
          action: 'server.stop',
          actor: { keyName: 'alice' },
          status: 'succeeded',
          fromState: 'running',
          toState: 'stopped',
          source: 'gateway',
        },
        {
          action: 'server.create',
          actor: { keyName: 'ops' },
          status: 'succeeded',
          fromState: null,
          toState: 'running',
          source: 'gateway',
        },
      ]);
      expect(got[3].taskId).toBe(create.id);
      // The delete dropped what the gateway knew; the history itself stays for the retention time.
      expect(await redis.hexists(keys.lastStates('c1', 'server'), 's1')).toBe(0);
      expect(await redis.ttl(keys.history('c1', 'server', 's1'))).toBeGreaterThan(29 * 86_400);
    });

    it('takes the state known when the task was accepted when the gateway knew none', async () => {
      await log.taskEnded(task('server.stop', 'c1:s2', TaskStatus.Succeeded, 'stopped'), internal('running'));
      expect((await entries('s2'))[0]).toMatchObject({ fromState: 'running', toState: 'stopped' });
    });

    it('writes one entry for a task whose end is recorded twice (a job run again after a crash)', async () => {
      const stop = task('server.stop', 'c1:s3', TaskStatus.Succeeded, 'stopped');
      await log.taskEnded(stop, internal('running'));
      await log.taskEnded(stop, internal('running'));
      expect(await entries('s3')).toHaveLength(1);
    });

    it('writes nothing for a task without resource, nor for SSH keys', async () => {
      await log.taskEnded(task('server.create', null, TaskStatus.Failed), internal());
      await log.taskEnded(task('sshKey.create', 'c1:k1', TaskStatus.Succeeded), internal());
      expect(await redis.keys('gw:hist:*')).toEqual([]);
    });

    it('keeps at most maxEntries per resource', async () => {
      for (let i = 0; i < 55; i++)
        await log.taskEnded(task('server.reboot', 'c1:s4', TaskStatus.Succeeded, 'running'), internal());
      expect(await redis.llen(keys.history('c1', 'server', 's4'))).toBe(50);
    });

    it('never throws', async () => {
      const broken = new HistoryLog(
        { evalsha: () => Promise.reject(new Error('down')) } as unknown as Redis,
        config,
      );
      await expect(
        broken.taskEnded(task('server.stop', 'c1:s1', TaskStatus.Succeeded, 'stopped'), internal()),
      ).resolves.toBeUndefined();
    });
  });

  describe('observed changes', () => {
    it('seeds silently on the first whole list of a connection and type', async () => {
      await listed([server('a', 'running'), server('b', 'stopped')]);
      expect(await entries('a')).toEqual([]);
      expect(await entries('b')).toEqual([]);
      expect(await redis.hget(keys.lastStates('c1', 'server'), 'a')).toMatch(/^running\|/);
    });

    it('does not seed from a partial list', async () => {
      await listed([server('a', 'running')], false);
      expect(await redis.exists(keys.lastStates('c1', 'server'))).toBe(0);
    });

    it('records a change no task made, a resource made elsewhere, and one gone from a whole list', async () => {
      await listed([server('a', 'running'), server('b', 'stopped')]);
      await listed([server('a', 'stopped'), server('b', 'stopped'), server('c', 'running')]);
      await listed([server('a', 'stopped'), server('c', 'running')]);

      expect(await entries('a')).toMatchObject([
        {
          source: 'observed',
          action: 'state.changed',
          actor: null,
          taskId: null,
          status: null,
          fromState: 'running',
          toState: 'stopped',
        },
      ]);
      expect(await entries('c')).toMatchObject([{ source: 'observed', fromState: null, toState: 'running' }]);
      expect(await entries('b')).toMatchObject([
        { source: 'observed', fromState: 'stopped', toState: 'deleted' },
      ]);
      expect(await redis.hexists(keys.lastStates('c1', 'server'), 'b')).toBe(0);
      expect((await changes()).map((c) => [c?.resource.id, c?.fromState, c?.toState])).toEqual([
        ['c1:a', 'running', 'stopped'],
        ['c1:c', null, 'running'],
        ['c1:b', 'stopped', 'deleted'],
      ]);
      expect((await changes())[0]).toMatchObject({
        type: 'resource.changed',
        provider: 'c1',
        resource: { type: 'server' },
      });
      expect(Date.parse((await changes())[0]!.observedAt)).toBeGreaterThan(0);
    });

    it('finds nothing gone in a partial list', async () => {
      await listed([server('a', 'running'), server('b', 'running')]);
      await listed([server('a', 'running')], false);
      expect(await entries('b')).toEqual([]);
    });

    it('sees a change in a single read, and a resource the backend no longer has', async () => {
      await listed([server('a', 'running'), server('b', 'running')]);
      await log.watch('c1', 'server')!.item('a', server('a', 'stopped'));
      await log.watch('c1', 'server')!.item('b', null);
      expect(await entries('a')).toMatchObject([{ fromState: 'running', toState: 'stopped' }]);
      expect(await entries('b')).toMatchObject([{ fromState: 'running', toState: 'deleted' }]);
    });

    it('records nothing while a task of ours holds the resource', async () => {
      await listed([server('a', 'running')]);
      await redis.set(keys.resourceLock('c1:a'), 'some-task');
      await listed([server('a', 'stopped')]);
      expect(await entries('a')).toEqual([]);
    });

    it('records nothing for a task that ended but has not written its entry yet', async () => {
      await listed([server('a', 'running')]);
      // The runner frees the lock (TaskStore.finish, which also indexes the task) before it writes the history.
      await redis.zadd(keys.tasksByResource('c1:a'), Date.now(), taskId());
      await listed([server('a', 'stopped')]);
      expect(await entries('a')).toEqual([]);
    });

    it('records nothing from a read that started before a task of ours ended', async () => {
      await listed([server('a', 'running')]);
      const watch = log.watch('c1', 'server')!;
      // The backend answered `running`; then the stop ended and wrote its entry; then the answer is told.
      await new Promise((resolve) => setTimeout(resolve, 5));
      const stop = task('server.stop', 'c1:a', TaskStatus.Succeeded, 'stopped');
      await redis.zadd(keys.tasksByResource('c1:a'), Date.now(), stop.id);
      await log.taskEnded(stop, internal('running'));
      await watch.list([server('a', 'running')], true);
      expect((await entries('a')).map((e) => e.source)).toEqual(['gateway']);
      // A later read that sees it running again is a real change.
      await listed([server('a', 'running')]);
      expect(await entries('a')).toMatchObject([
        { source: 'observed', fromState: 'stopped', toState: 'running' },
        { source: 'gateway', toState: 'stopped' },
      ]);
    });

    it('sees a change made behind a task of another process although its own copy did not move', async () => {
      await listed([server('a', 'running')]);
      // A worker elsewhere stops it; the console starts it again; this process saw `running` all along.
      const stop = task('server.stop', 'c1:a', TaskStatus.Succeeded, 'stopped');
      await redis.zadd(keys.tasksByResource('c1:a'), Date.now() - 1000, stop.id);
      await new HistoryLog(redis, config).taskEnded(stop, internal('running'));
      await listed([server('a', 'running')]);
      expect((await entries('a')).map((e) => [e.source, e.fromState, e.toState])).toEqual([
        ['observed', 'stopped', 'running'],
        ['gateway', 'running', 'stopped'],
      ]);
    });

    it('goes to Redis once per read when nothing changed', async () => {
      await listed([server('a', 'running'), server('b', 'running')]);
      const calls = jest.spyOn(redis, 'evalsha');
      await listed([server('a', 'running'), server('b', 'running')]);
      expect(calls).toHaveBeenCalledTimes(1); // the read's start, sent while the backend answers
      calls.mockRestore();
    });

    it('never fails the read', async () => {
      const broken = new HistoryLog(
        { evalsha: () => Promise.reject(new Error('down')) } as unknown as Redis,
        config,
      );
      await expect(
        broken.watch('c1', 'server')!.list([server('a', 'running')], true),
      ).resolves.toBeUndefined();
      expect(broken.watch('c1', 'sshKey')).toBeNull();
    });
  });

  describe('on a cluster (docs/design.md#redis-topology)', () => {
    /**
     * Runs every history script with a `redis` of its own in front of the real one: a command on a key the
     * script did not declare in KEYS, or on one outside the connection's hash tag, fails the script. Redis Cluster
     * needs every key declared (it routes and checks slots by KEYS); a single server would not notice.
     */
    const STRICT = `
local real = redis
local declared = {}
for _, k in ipairs(KEYS) do
  if not string.find(k, '{c1}', 1, true) then error({err = 'STRICT key outside the slot: ' .. k}) end
  declared[k] = true
end
local redis = setmetatable({ call = function(command, ...)
  local c = string.upper(command)
  local key = select(1, ...)
  if c ~= 'TIME' and not declared[key] then error({err = 'STRICT undeclared key ' .. c .. ' ' .. tostring(key)}) end
  return real.call(command, ...)
end }, { __index = real })
`;
    const texts = new Map([TASK_ENDED, OBSERVED, READ_STARTED].map((text) => [script(text).sha, text]));
    let refused: string[];

    beforeEach(() => {
      refused = [];
      jest.spyOn(redis, 'evalsha').mockImplementation((async (
        sha: string,
        ...rest: Array<string | number>
      ) => {
        try {
          return await redis.eval(STRICT + texts.get(sha)!, ...(rest as [number, ...string[]]));
        } catch (error) {
          refused.push(String(error));
          throw error;
        }
      }) as unknown as typeof redis.evalsha);
    });

    afterEach(() => jest.restoreAllMocks());

    it('declares every key each script touches, all in the connection slot', async () => {
      await listed([server('a', 'running'), server('b', 'running'), server('d', 'stopped')]);
      await log.taskEnded(task('server.stop', 'c1:a', TaskStatus.Succeeded, 'stopped'), internal('running'));
      await redis.set(keys.resourceLock('c1:d'), 'some-task');
      // Another process (no copy of its own): a full read, with a change, a new one, one held, one gone.
      const other = new HistoryLog(redis, config);
      await other
        .watch('c1', ResourceType.Server)!
        .list([server('a', 'running'), server('c', 'running'), server('d', 'running')], true);
      await log.watch('c1', ResourceType.Server)!.item('c', server('c', 'stopped'));
      expect(refused).toEqual([]);
      expect((await entries('a')).map((e) => [e.source, e.toState])).toEqual([
        ['observed', 'running'],
        ['gateway', 'stopped'],
      ]);
      expect((await entries('b')).map((e) => [e.source, e.toState])).toEqual([['observed', 'deleted']]);
      expect((await entries('c')).map((e) => [e.fromState, e.toState])).toEqual([
        ['running', 'stopped'],
        [null, 'running'],
      ]);
      expect(await entries('d')).toEqual([]);
      expect((await changes()).map((c) => c?.resource.id)).toEqual(['c1:a', 'c1:c', 'c1:b', 'c1:c']);
    });

    it('would refuse a script that touched a key it did not declare', async () => {
      const texts2 = 'return redis.call("GET", "gw:{c1}:undeclared")';
      texts.set(script(texts2).sha, texts2);
      await expect(redis.evalsha(script(texts2).sha, 0)).rejects.toThrow(/STRICT undeclared key GET/);
    });
  });

  describe('pages', () => {
    it('stays on course while new entries arrive at the head', async () => {
      for (let i = 0; i < 5; i++)
        await log.taskEnded(task('server.reboot', 'c1:p', TaskStatus.Succeeded, 'running'), internal());
      const all = (await entries('p')).map((e) => e.taskId);
      const first = await log.page('c1', ResourceType.Server, 'p', null, 2);
      expect(first.entries.map((e) => e.taskId)).toEqual(all.slice(0, 2));
      await log.taskEnded(task('server.reboot', 'c1:p', TaskStatus.Succeeded, 'running'), internal());
      const second = await log.page('c1', ResourceType.Server, 'p', first.next, 2);
      expect(second.entries.map((e) => e.taskId)).toEqual(all.slice(2, 4));
      const third = await log.page('c1', ResourceType.Server, 'p', second.next, 2);
      expect(third.entries.map((e) => e.taskId)).toEqual(all.slice(4));
      expect(third.next).toBeNull();
    });

    it('finds its place when the list is full and trimmed as it grows', async () => {
      for (let i = 0; i < 50; i++)
        await log.taskEnded(task('server.reboot', 'c1:q', TaskStatus.Succeeded, 'running'), internal());
      const first = await log.page('c1', ResourceType.Server, 'q', null, 10);
      const rest = (await entries('q')).slice(10, 20).map((e) => e.taskId);
      for (let i = 0; i < 3; i++)
        await log.taskEnded(task('server.reboot', 'c1:q', TaskStatus.Succeeded, 'running'), internal());
      const second = await log.page('c1', ResourceType.Server, 'q', first.next, 10);
      expect(second.entries.map((e) => e.taskId)).toEqual(rest);
    });

    it('skips a line it cannot read', async () => {
      await log.taskEnded(task('server.reboot', 'c1:r', TaskStatus.Succeeded, 'running'), internal());
      await redis.lpush(keys.history('c1', 'server', 'r'), 'not|an entry');
      expect(await entries('r')).toHaveLength(1);
    });
  });
});
