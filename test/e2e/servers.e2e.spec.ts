import {
  api,
  renameServer,
  catalogPicks,
  clientFor,
  succeeded,
  waitForTask,
  type Client,
} from '../support/api';
import { KEYS, sim, startTestGateway, type TestGateway } from '../support/gateway';

describe('servers over CloudMC (e2e, generated client, real Redis)', () => {
  let gateway: TestGateway;
  let client: Client;
  let imageId: string;
  let planId: string;

  beforeAll(async () => {
    gateway = await startTestGateway({ connections: [{ name: 'cm-a', kind: 'cloudmc' }] });
    client = clientFor(gateway.baseUrl, KEYS.admin);
    ({ imageId, planId } = await catalogPicks(client, 'cm-a'));
  });

  afterAll(() => gateway.close());

  const create = (name: string, extra: Record<string, unknown> = {}) =>
    api.createServer({ client, body: { provider: 'cm-a', name, imageId, planId, ...extra } });

  it('should run a server through create → running → stop → start → reboot → rename → delete', async () => {
    const accepted = await create('e2e-lifecycle');
    expect(accepted.response.status).toBe(202);
    expect(accepted.response.headers.get('location')).toBe(`/v1/tasks/${accepted.data!.id}`);
    expect(accepted.data).toMatchObject({
      operation: 'server.create',
      provider: 'cm-a',
      providerKind: 'cloudmc',
      resource: { type: 'server' },
    });

    const created = await succeeded(client, accepted.data);
    expect(created.steps.map((s) => s.status)).toEqual(created.steps.map(() => 'succeeded'));
    expect(created.result).toMatchObject({
      name: 'e2e-lifecycle',
      state: 'running',
      providerState: 'Running',
    });
    const id = created.resource.id!;
    expect(id).toMatch(/^cm-a:/);

    const read = await api.getServer({ client, path: { id } });
    expect(read.data).toMatchObject({ id, state: 'running', imageId, planId });

    const stopped = await succeeded(
      client,
      (await api.stopServer({ client, path: { id }, body: { force: false } })).data,
    );
    expect(stopped.result).toMatchObject({ state: 'stopped' });
    expect((await api.getServer({ client, path: { id } })).data!.state).toBe('stopped');

    const started = await succeeded(client, (await api.startServer({ client, path: { id } })).data);
    expect(started.result).toMatchObject({ state: 'running' });

    const rebooted = await succeeded(client, (await api.rebootServer({ client, path: { id } })).data);
    expect(rebooted.result).toMatchObject({ state: 'running' });

    const renamed = await succeeded(
      client,
      (await renameServer({ client, path: { id }, body: { name: 'e2e-renamed' } })).data,
    );
    expect(renamed.result).toMatchObject({ name: 'e2e-renamed' });

    const deleted = await succeeded(client, (await api.deleteServer({ client, path: { id } })).data);
    expect(deleted.result).toBeNull();
    const gone = await api.getServer({ client, path: { id } });
    expect(gone.response.status).toBe(404);
    expect(gone.error).toMatchObject({ code: 'not_found', status: 404 });
  });

  it('should list the new server with provider status and page through the list', async () => {
    await succeeded(client, (await create('e2e-list-1')).data);
    await succeeded(client, (await create('e2e-list-2')).data);
    const all = await api.listServers({ client, query: { provider: 'cm-a' } });
    expect(all.data!.providers).toEqual([expect.objectContaining({ provider: 'cm-a', status: 'ok' })]);
    expect(all.data!.items.map((s) => s.name)).toEqual(expect.arrayContaining(['e2e-list-1', 'e2e-list-2']));

    const first = await api.listServers({ client, query: { pageSize: 1 } });
    expect(first.data!.items).toHaveLength(1);
    expect(first.data!.nextPageToken).toEqual(expect.any(String));
    const second = await api.listServers({
      client,
      query: { pageSize: 1, pageToken: first.data!.nextPageToken! },
    });
    expect(second.data!.items[0].id > first.data!.items[0].id).toBe(true);

    const named = await api.listServers({ client, query: { name: 'LIST-2' } });
    expect(named.data!.items.map((s) => s.name)).toEqual(['e2e-list-2']);
    const running = await api.listServers({ client, query: { state: 'running', provider: 'cm-a' } });
    expect(running.data!.items.every((s) => s.state === 'running')).toBe(true);
  });

  it('should read past the cache with ?fresh=true or Cache-Control: no-cache, and from it otherwise', async () => {
    const id = (await api.listServers({ client, query: { provider: 'cm-a' } })).data!.items[0].id;
    const simulator = gateway.simulators.get('cm-a')!;
    const instanceGets = async () => {
      const stats = (await sim(simulator, 'GET', '/stats')) as { requests: Record<string, number> };
      return Object.entries(stats.requests)
        .filter(([route]) => route.startsWith('GET') && route.includes(':id'))
        .reduce((sum, [, n]) => sum + n, 0);
    };
    await api.getServer({ client, path: { id } });
    const before = await instanceGets();
    await api.getServer({ client, path: { id } });
    expect(await instanceGets()).toBe(before);
    await api.getServer({ client, path: { id }, query: { fresh: true } });
    await api.getServer({ client, path: { id }, headers: { 'Cache-Control': 'no-cache' } });
    expect(await instanceGets()).toBe(before + 2);
  });

  it('should answer 200 with the finished task when Prefer: wait covers it', async () => {
    const response = await api.createServer({
      client,
      body: { provider: 'cm-a', name: 'e2e-prefer', imageId, planId },
      headers: { Prefer: 'wait=30' },
    });
    expect(response.response.status).toBe(200);
    expect(response.response.headers.get('preference-applied')).toBe('wait=30');
    expect(response.data).toMatchObject({
      status: 'succeeded',
      result: { name: 'e2e-prefer', state: 'running' },
    });
  });

  it('should create a server that stays stopped with powerOn false', async () => {
    const done = await succeeded(client, (await create('e2e-cold', { powerOn: false })).data);
    expect(done.result).toMatchObject({ state: 'stopped' });
    expect(done.steps.map((s) => s.name)).toContain('wait-stopped');
  });

  it('should refuse a second mutation on a busy server with 409 naming the running task', async () => {
    const id = (await succeeded(client, (await create('e2e-busy')).data)).resource.id!;
    // Slow the backend's stop call down so the task is surely still running when the second request comes.
    await sim(gateway.simulators.get('cm-a')!, 'POST', '/faults', {
      action: 'delay',
      method: 'POST',
      path: '/instances/[^/]+$',
      delayMs: 1500,
      count: 1,
    });
    const stop = await api.stopServer({ client, path: { id }, body: {} });
    const second = await api.startServer({ client, path: { id } });
    expect(second.response.status).toBe(409);
    expect(second.error).toMatchObject({ code: 'conflict', activeTaskId: stop.data!.id });
    const busy = await api.getServer({ client, path: { id } });
    expect(busy.data!.activeTaskId).toBe(stop.data!.id);
    await waitForTask(client, stop.data!.id);
    const free = await api.getServer({ client, path: { id } });
    expect(free.data!.activeTaskId).toBeUndefined();
  });
});
