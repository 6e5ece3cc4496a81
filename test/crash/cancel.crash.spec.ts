import type { Redis } from 'ioredis';
import { decodeEvent } from '../../src/tasks/task-event.codec';
import { api, clientFor, type Client } from '../support/api';
import { connectionOf } from '../support/crash-backends';
import { observer, until } from '../support/crash-chaos';
import { CRASH_KEY, startCrashCluster, type CrashCluster } from '../support/crash-cluster';
import { loadPicks, type Picks } from '../support/crash-workload';
import { sized } from '../support/suite-size';
import type { Task } from '../generated/client';
import { keys as redisKeys } from '../../src/common/redis/keys';

// Issue 15: kill -9 of the worker while a canceled create undoes what it made (docs/design.md#cancel). The next
// worker resumes the undo: nothing is left on the backend, and the task ends `canceled` exactly once.

jest.setTimeout(sized(150_000, 300_000));

/** A CloudMC server create takes about two seconds, its delete about a second. */
const SPEED = 4;

describe('a canceled create whose worker is killed during the undo (crash: external Redis with AOF)', () => {
  let cluster: CrashCluster;
  let redis: Redis;
  let client: Client;
  let picks: Picks;

  beforeAll(async () => {
    cluster = await startCrashCluster({ workers: 1, speed: SPEED });
    redis = observer(cluster.redis.url);
    client = clientFor(cluster.baseUrl, CRASH_KEY);
    picks = await loadPicks(client);
  });

  afterAll(async () => {
    redis?.disconnect();
    await cluster?.close();
  });

  const read = async (id: string): Promise<Task | undefined> =>
    (await api.getTask({ client, path: { id } }).catch(() => ({ data: undefined }))).data;

  /** The `task.canceled` events of a task in the gateway's event stream. */
  const canceledEvents = async (taskId: string): Promise<number> => {
    const entries = (await redis.xrange(redisKeys.events(connectionOf('cloudmc')), '-', '+')) as Array<
      [string, string[]]
    >;
    return entries
      .map(([id, fields]) => decodeEvent(id, fields))
      .filter((event) => event?.taskId === taskId && event.type === 'task.canceled').length;
  };

  it('should leave nothing on the backend and end the task canceled once after a new worker takes over', async () => {
    const provider = connectionOf('cloudmc');
    const accepted = await api.createServer({
      client,
      body: { provider, name: 'cancel-crash', ...picks.cloudmc },
    });
    if (!accepted.data) throw new Error(`create not accepted: ${JSON.stringify(accepted.error)}`);
    const id = accepted.data.id;
    const step = (task: Task | undefined, name: string) => task?.steps.find((s) => s.name === name);

    // CloudMC took the create: cancel it (the worker learns the server's id first, then undoes it).
    expect(
      await until(async () => step(await read(id), 'create-instance')?.status === 'succeeded', 30_000),
    ).toBe(true);
    const asked = await api.cancelTask({ client, path: { id } });
    expect(asked.response.status).toBe(202);

    // Killed while the undo runs: its delete asked for, or about to be.
    expect(
      await until(async () => {
        const task = await read(id);
        return !!task?.steps.some((s) => s.name.startsWith('undo-') && s.status !== 'pending');
      }, 60_000),
    ).toBe(true);
    await cluster.crashWorker(0, 500);
    const orphaned = await read(id);
    expect(orphaned?.status).toBe('running');

    let done: Task | undefined;
    expect(
      await until(async () => {
        done = await read(id);
        return !!done && ['succeeded', 'failed', 'canceled'].includes(done.status);
      }, 90_000),
    ).toBe(true);
    expect(done).toMatchObject({
      status: 'canceled',
      error: null,
      cancelRequestedAt: asked.data!.cancelRequestedAt,
    });
    const undo = done!.steps.filter((s) => s.name.startsWith('undo-'));
    expect(undo.length).toBeGreaterThan(0);
    expect(undo.every((s) => s.status === 'succeeded')).toBe(true);

    // Nothing left on the backend: the server the create made is gone, and no other has its name.
    const server = await api.getServer({ client, path: { id: done!.resource.id! }, query: { fresh: true } });
    expect(server.response.status === 404 || server.data?.state === 'deleted').toBe(true);
    const listed = await api.listServers({ client, query: { provider, name: 'cancel-crash', fresh: true } });
    expect(listed.data!.items.filter((s) => s.state !== 'deleted')).toEqual([]);

    // Ended once: one `task.canceled` event, however many workers ran it.
    expect(await canceledEvents(id)).toBe(1);
  });
});
