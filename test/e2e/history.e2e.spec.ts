import { Redis } from 'ioredis';
import type { HistoryEntryView } from '../generated/client';
import { keys } from '../../src/common/redis/keys';
import { decodeChange } from '../../src/tasks/resource-change';
import type { CloudmcSimulatorHandle } from '../../sandbox/simulators/cloudmc/cloudmc.simulator';
import { api, catalogPicks, clientFor, succeeded, type Client } from '../support/api';
import { KEYS, startTestGateway, type TestGateway } from '../support/gateway';
import { SimTestClient, svc } from '../support/simulators/cloudmc-sim.test-client';

// Who did what (docs/design.md#history): the tasks of ours that ended on a server, and a change made on the
// backend's own console that a later read saw, newest first, still readable after the server is deleted.

const CM = 'cm-a';

describe('history (e2e, generated client, real Redis)', () => {
  let gateway: TestGateway;
  let admin: Client;
  let tenantA: Client;
  let redis: Redis;
  let backendConsole: SimTestClient;

  const history = async (id: string, query: { pageSize?: number; pageToken?: string } = {}) => {
    const answer = await api.getServerHistory({ client: admin, path: { id }, query });
    expect(answer.response.status).toBe(200);
    return answer.data!;
  };
  /** Every page, following the tokens (bounded). */
  const allPages = async (id: string, pageSize: number) => {
    const items: HistoryEntryView[] = [];
    let pageToken: string | undefined;
    for (let pages = 0; pages < 20; pages++) {
      const page = await history(id, { pageSize, pageToken });
      expect(page.items.length).toBeLessThanOrEqual(pageSize);
      items.push(...page.items);
      pageToken = page.nextPageToken ?? undefined;
      if (!pageToken) break;
    }
    return items;
  };
  /** The history once it holds `count` entries: a task's entry is written just after the task shows as ended. */
  const historyOf = async (id: string, count: number) => {
    for (let attempt = 0; attempt < 100; attempt++) {
      const { items } = await history(id);
      if (items.length >= count) return items;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`history of ${id} never reached ${count} entries`);
  };
  const shape = (items: HistoryEntryView[]) =>
    items.map(({ action, actor, status, fromState, toState, source }) => ({
      action,
      actor: actor?.keyName ?? null,
      status,
      fromState,
      toState,
      source,
    }));

  beforeAll(async () => {
    gateway = await startTestGateway({ connections: [{ name: CM, kind: 'cloudmc' }] });
    admin = clientFor(gateway.baseUrl, KEYS.admin);
    tenantA = clientFor(gateway.baseUrl, KEYS.tenantA);
    redis = new Redis(gateway.redisUrl);
    backendConsole = new SimTestClient(() => gateway.simulators.get(CM) as CloudmcSimulatorHandle);
  });

  afterAll(async () => {
    redis?.disconnect();
    await gateway?.close();
  });

  it('should tell the tasks of ours from a change made on the backendConsole, newest first, and keep it after the delete', async () => {
    // The first whole list of the connection learns what exists, silently.
    expect(
      (await api.listServers({ client: admin, query: { provider: CM, fresh: true } })).response.status,
    ).toBe(200);
    const { imageId, planId } = await catalogPicks(admin, CM);
    const created = await succeeded(
      admin,
      (
        await api.createServer({
          client: admin,
          body: { provider: CM, name: 'e2e-history', imageId, planId },
        })
      ).data,
    );
    const id = created.resource.id!;
    const nativeId = id.slice(CM.length + 1);
    const stopped = await succeeded(
      tenantA,
      (await api.stopServer({ client: tenantA, path: { id }, body: {} })).data,
    );
    await historyOf(id, 2);

    // Someone starts it on the backend's own backendConsole; the next backend read sees it.
    await backendConsole.mutate('POST', svc(`instances/${nativeId}?operation=start`));
    const listed = await api.listServers({ client: admin, query: { provider: CM, fresh: true } });
    expect(listed.data!.items.find((s) => s.id === id)?.state).toBe('running');

    const deleted = await succeeded(admin, (await api.deleteServer({ client: admin, path: { id } })).data);
    const items = await historyOf(id, 4);
    expect(shape(items)).toEqual([
      {
        action: 'server.delete',
        actor: 'admin',
        status: 'succeeded',
        fromState: 'running',
        toState: 'deleted',
        source: 'gateway',
      },
      {
        action: 'state.changed',
        actor: null,
        status: null,
        fromState: 'stopped',
        toState: 'running',
        source: 'observed',
      },
      {
        action: 'server.stop',
        actor: 'tenant-a',
        status: 'succeeded',
        fromState: 'running',
        toState: 'stopped',
        source: 'gateway',
      },
      {
        action: 'server.create',
        actor: 'admin',
        status: 'succeeded',
        fromState: null,
        toState: 'running',
        source: 'gateway',
      },
    ]);
    expect(items.map((item) => item.taskId)).toEqual([deleted.id, null, stopped.id, created.id]);
    const times = items.map((item) => Date.parse(item.at));
    expect(times.every((t, i) => i === 0 || t <= times[i - 1])).toBe(true);

    // The observed change went out as a `resource.changed` event too.
    const changes = ((await redis.xrange(keys.changes(CM), '-', '+')) as Array<[string, string[]]>)
      .map(([eventId, fields]) => decodeChange(eventId, fields))
      .filter((change) => change?.resource.id === id);
    expect(changes).toMatchObject([
      {
        type: 'resource.changed',
        provider: CM,
        resource: { type: 'server', id },
        fromState: 'stopped',
        toState: 'running',
      },
    ]);

    // Gone from the backend, still readable, in pages of any size.
    expect((await api.getServer({ client: admin, path: { id } })).response.status).toBe(404);
    expect(await allPages(id, 1)).toEqual(items);
    expect(await allPages(id, 3)).toEqual(items);
    // The reader key reads it too.
    const asReader = await api.getServerHistory({
      client: clientFor(gateway.baseUrl, KEYS.reader),
      path: { id },
    });
    expect(asReader.data!.items).toEqual(items);
  });

  it('should see a server gone from the backend behind the gateway’s back', async () => {
    const { imageId, planId } = await catalogPicks(admin, CM);
    const created = await succeeded(
      admin,
      (
        await api.createServer({
          client: admin,
          body: { provider: CM, name: 'e2e-history-gone', imageId, planId },
        })
      ).data,
    );
    const id = created.resource.id!;
    await historyOf(id, 1);
    await api.listServers({ client: admin, query: { provider: CM, fresh: true } });
    await backendConsole.mutate('DELETE', svc(`instances/${id.slice(CM.length + 1)}`), {
      purgeImmediately: true,
    });
    await api.listServers({ client: admin, query: { provider: CM, fresh: true } });
    expect(shape(await historyOf(id, 2))[0]).toEqual({
      action: 'state.changed',
      actor: null,
      status: null,
      fromState: 'running',
      toState: 'deleted',
      source: 'observed',
    });
  });

  it('should answer an empty page for an id without history, and 404 for the id of another type', async () => {
    expect(await history(`${CM}:no-such-server`)).toEqual({ items: [], nextPageToken: null });
    const volumes = await api.listVolumes({ client: admin, query: { provider: CM, fresh: true } });
    const volumeId = volumes.data!.items[0]?.id;
    expect(volumeId).toBeDefined();
    const answer = await api.getServerHistory({ client: admin, path: { id: volumeId } });
    expect(answer.response.status).toBe(404);
    expect((await api.getVolumeHistory({ client: admin, path: { id: volumeId } })).response.status).toBe(200);
  });

  it('should refuse a page size out of range and a forged or foreign page token with 400', async () => {
    const id = `${CM}:x1`;
    for (const pageSize of [0, 101]) {
      const answer = await api.getServerHistory({ client: admin, path: { id }, query: { pageSize } });
      expect(answer.response.status).toBe(400);
    }
    const forged = Buffer.from(JSON.stringify({ after: '0.1.eA', q: 'nope' })).toString('base64url');
    for (const pageToken of ['not-a-token', forged]) {
      const answer = await api.getServerHistory({ client: admin, path: { id }, query: { pageToken } });
      expect(answer.response.status).toBe(400);
      expect(answer.error).toMatchObject({ code: 'validation_failed' });
    }
  });

  it('should answer 404 for an unknown connection, as the resource reads do', async () => {
    const answer = await api.getServerHistory({ client: admin, path: { id: 'nowhere:1' } });
    expect(answer.response.status).toBe(404);
  });
});
