import { api, clientFor, succeeded, type Client } from '../support/api';
import { KEYS, startTestGateway, type TestGateway } from '../support/gateway';
import { openEvents } from '../support/sse';

describe('authentication and tenancy (e2e)', () => {
  let gateway: TestGateway;
  let admin: Client;
  let tenantA: Client;
  let bServerId: string;
  let bTaskId: string;

  beforeAll(async () => {
    gateway = await startTestGateway({
      connections: [
        { name: 'cm-a', kind: 'cloudmc' },
        { name: 'cm-b', kind: 'cloudmc' },
      ],
    });
    admin = clientFor(gateway.baseUrl, KEYS.admin);
    tenantA = clientFor(gateway.baseUrl, KEYS.tenantA);
    const servers = await api.listServers({ client: admin, query: { provider: 'cm-b' } });
    bServerId = servers.data!.items[0].id;
    const task = await succeeded(
      admin,
      (await api.createNetwork({ client: admin, body: { provider: 'cm-b', name: 'b-net' } })).data,
    );
    bTaskId = task.id;
  });

  afterAll(() => gateway.close());

  it('should answer 401 problem+json without a key or with a wrong one', async () => {
    for (const client of [clientFor(gateway.baseUrl), clientFor(gateway.baseUrl, 'not-a-valid-key-at-all')]) {
      const response = await api.listServers({ client });
      expect(response.response.status).toBe(401);
      expect(response.response.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(response.error).toMatchObject({
        code: 'unauthenticated',
        status: 401,
        requestId: expect.any(String),
      });
    }
    const malformed = await fetch(`${gateway.baseUrl}/v1/servers`, {
      headers: { Authorization: 'Basic abc' },
    });
    expect(malformed.status).toBe(401);
  });

  it('should let a read-only key read and answer 403 when it tries to write', async () => {
    const reader = clientFor(gateway.baseUrl, KEYS.reader);
    expect((await api.listServers({ client: reader })).response.status).toBe(200);
    const write = await api.createNetwork({ client: reader, body: { provider: 'cm-a', name: 'nope' } });
    expect(write.response.status).toBe(403);
    expect(write.error).toMatchObject({ code: 'forbidden' });
  });

  it('should show a connection-limited key only its own connection', async () => {
    const servers = await api.listServers({ client: tenantA });
    expect(servers.data!.providers.map((p) => p.provider)).toEqual(['cm-a']);
    expect(servers.data!.items.every((s) => s.provider === 'cm-a')).toBe(true);
    const providers = await api.listProviders({ client: tenantA });
    expect(providers.data!.items.map((p) => p.name)).toEqual(['cm-a']);
    const tasks = await api.listTasks({ client: tenantA });
    expect(tasks.data!.items.every((t) => t.provider === 'cm-a')).toBe(true);
  });

  it('should answer 404, not 403, for everything of another connection', async () => {
    const checks = [
      await api.getServer({ client: tenantA, path: { id: bServerId } }),
      await api.getProvider({ client: tenantA, path: { name: 'cm-b' } }),
      await api.listProviderImages({ client: tenantA, path: { name: 'cm-b' } }),
      await api.listServers({ client: tenantA, query: { provider: 'cm-b' } }),
      await api.getTask({ client: tenantA, path: { id: bTaskId } }),
      await api.stopServer({ client: tenantA, path: { id: bServerId }, body: {} }),
      await api.createNetwork({ client: tenantA, body: { provider: 'cm-b', name: 'x' } }),
    ];
    for (const response of checks) {
      expect(response.response.status).toBe(404);
      expect(response.error).toMatchObject({ code: 'not_found' });
    }
    const filtered = await api.listTasks({ client: tenantA, query: { resourceId: bServerId } });
    expect(filtered.data!.items).toEqual([]);
  });

  it('should refuse a reference to a resource of another connection', async () => {
    const volumes = await api.listVolumes({ client: admin, query: { provider: 'cm-a' } });
    const response = await api.attachVolume({
      client: admin,
      path: { id: volumes.data!.items[0].id },
      body: { serverId: bServerId },
    });
    expect(response.response.status).toBe(400);
    expect(response.error).toMatchObject({ code: 'validation_failed', errors: [{ field: 'serverId' }] });
  });

  it('should not stream events of another connection', async () => {
    const stream = await openEvents(`${gateway.baseUrl}/v1/events`, {
      Authorization: `Bearer ${KEYS.tenantA}`,
    });
    const b = await api.createNetwork({ client: admin, body: { provider: 'cm-b', name: 'b-hidden' } });
    const a = await api.createNetwork({ client: admin, body: { provider: 'cm-a', name: 'a-visible' } });
    await stream.until((all) =>
      all.some((e) => e.event === 'task.succeeded' && JSON.parse(e.data).id === a.data!.id),
    );
    await succeeded(admin, b.data);
    stream.close();
    expect(stream.events.some((e) => JSON.parse(e.data).id === b.data!.id)).toBe(false);
    expect(stream.events.every((e) => JSON.parse(e.data).provider === 'cm-a')).toBe(true);
  });
});
