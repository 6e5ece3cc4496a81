import { api, clientFor, succeeded, waitForTask, type Client } from '../support/api';
import { KEYS, sim, startTestGateway, type TestGateway } from '../support/gateway';

const DCI = 'sandbox-dcimanager';
const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE2eTestKeyForTheGateway e2e@example.test';

describe('bare metal over DCImanager (e2e, generated client, real Redis)', () => {
  let gateway: TestGateway;
  let client: Client;
  let imageId: string;
  let planId: string;
  let locationId: string;

  beforeAll(async () => {
    gateway = await startTestGateway({ connections: [{ name: DCI, kind: 'dcimanager' }] });
    client = clientFor(gateway.baseUrl, KEYS.admin);
    const images = await api.listProviderImages({ client, path: { name: DCI } });
    const plans = await api.listProviderPlans({ client, path: { name: DCI } });
    const locations = await api.listProviderLocations({ client, path: { name: DCI } });
    imageId = images.data!.items.find((i) => i.name.startsWith('Debian'))!.id;
    // The plan with the most free servers, in the first location.
    planId = [...plans.data!.items].sort((a, b) => (b.available ?? 0) - (a.available ?? 0))[0].id;
    locationId = locations.data!.items[0].id;
  });

  afterAll(() => gateway.close());

  const create = (name: string, extra: Record<string, unknown> = {}) =>
    api.createServer({
      client,
      body: { provider: DCI, name, imageId, planId, locationId, sshPublicKeys: [SSH_KEY], ...extra },
    });

  it('should take a server from stock → running → stop → start → reboot → release it', async () => {
    // The catalog is cached for a minute by the gateway: the stock is checked at the simulator.
    const freeStock = async () =>
      ((await sim(gateway.simulators.get(DCI)!, 'GET', '/state')) as { counts: { freeStock: number } }).counts
        .freeStock;
    const before = await freeStock();
    const accepted = await create('e2e-metal');
    expect(accepted.response.status).toBe(202);
    const created = await succeeded(client, accepted.data);
    expect(created.steps.map((s) => s.name)).toEqual([
      'choose-server',
      'assign-owner',
      'ensure-main-ip',
      'wait-main-ip',
      'install-os',
      'wait-installed',
      'power-on',
      'wait-running',
    ]);
    expect(created).toMatchObject({
      progress: 100,
      providerRef: { kind: expect.stringMatching(/^dcimanager-/) },
    });
    expect(created.result).toMatchObject({
      name: 'e2e-metal',
      state: 'running',
      providerState: 'on',
      imageId,
      planId,
      locationId,
    });
    const id = created.resource.id!;
    expect(id).toMatch(new RegExp(`^${DCI}:\\d+$`));
    expect(await freeStock()).toBe(before - 1);

    const graceful = await api.stopServer({ client, path: { id }, body: { force: false } });
    expect(graceful.response.status).toBe(501);
    expect(graceful.error).toMatchObject({
      code: 'unsupported_operation',
      detail: expect.stringContaining('"force": true'),
    });

    const stopped = await succeeded(
      client,
      (await api.stopServer({ client, path: { id }, body: { force: true } })).data,
    );
    expect(stopped.result).toMatchObject({ state: 'stopped', providerState: 'off' });
    const started = await succeeded(client, (await api.startServer({ client, path: { id } })).data);
    expect(started.result).toMatchObject({ state: 'running' });
    const rebooted = await succeeded(client, (await api.rebootServer({ client, path: { id } })).data);
    expect(rebooted.result).toMatchObject({ state: 'running' });

    const released = await succeeded(client, (await api.deleteServer({ client, path: { id } })).data);
    expect(released.steps.map((s) => s.name)).toEqual([
      'power-off',
      'wait-stopped',
      'wipe-disks',
      'wait-wiped',
      'release',
    ]);
    const gone = await api.getServer({ client, path: { id } });
    expect(gone.response.status).toBe(404);
    expect(await freeStock()).toBe(before);
  });

  it("should list the owner's servers and their local disks, networks and addresses", async () => {
    const servers = await api.listServers({ client, query: { provider: DCI } });
    expect(servers.data!.providers).toEqual([expect.objectContaining({ provider: DCI, status: 'ok' })]);
    expect(servers.data!.items.map((s) => s.name)).toEqual(expect.arrayContaining(['web-1', 'nb-r1-u02']));
    const volumes = await api.listVolumes({ client, query: { provider: DCI } });
    expect(volumes.data!.items[0]).toMatchObject({ state: 'in-use', bootable: true, serverId: `${DCI}:101` });
    const networks = await api.listNetworks({ client, query: { provider: DCI } });
    expect(networks.data!.items.map((n) => n.cidr)).toEqual(expect.arrayContaining(['203.0.113.0/24']));
    const ips = await api.listIps({ client, query: { provider: DCI } });
    expect(ips.data!.items.find((ip) => ip.address === '203.0.113.10')).toMatchObject({
      state: 'attached',
      serverId: `${DCI}:101`,
    });
  });

  it('should allocate an address to a server and release it', async () => {
    const serverId = `${DCI}:102`;
    const allocated = await succeeded(
      client,
      (await api.allocateIp({ client, body: { provider: DCI, serverId } })).data,
    );
    expect(allocated.result).toMatchObject({ state: 'attached', serverId, version: 4, public: true });
    const id = allocated.resource.id!;
    const server = await api.getServer({ client, path: { id: serverId } });
    expect(server.data!.ipAddresses.map((a) => a.address)).toContain(
      (allocated.result as { address: string }).address,
    );

    await succeeded(client, (await api.releaseIp({ client, path: { id } })).data);
    expect((await api.getIp({ client, path: { id } })).response.status).toBe(404);
  });

  it('should refuse what bare metal cannot do before any task', async () => {
    const noServer = await api.allocateIp({ client, body: { provider: DCI } });
    expect(noServer.response.status).toBe(400);
    expect(noServer.error).toMatchObject({ code: 'validation_failed', errors: [{ field: 'serverId' }] });

    const volume = await api.createVolume({ client, body: { provider: DCI, name: 'data', sizeGb: 100 } });
    expect(volume.response.status).toBe(501);
    expect(volume.error).toMatchObject({
      code: 'unsupported_operation',
      detail: expect.stringContaining('no block volumes'),
    });
    const network = await api.createNetwork({ client, body: { provider: DCI, name: 'net' } });
    expect(network.response.status).toBe(501);
    const attach = await api.attachIp({
      client,
      path: { id: `${DCI}:101-501` },
      body: { serverId: `${DCI}:102` },
    });
    expect(attach.response.status).toBe(501);

    const sized = await api.createServer({
      client,
      body: { provider: DCI, name: 'sized', imageId, cpuCores: 8, memoryMb: 32768, sshPublicKeys: [SSH_KEY] },
    });
    expect(sized.response.status).toBe(400);
  });

  it('should publish its capabilities, reasons and provider options', async () => {
    const detail = await api.getProvider({ client, path: { name: DCI } });
    const operations = Object.fromEntries(detail.data!.operations.map((o) => [o.operation, o]));
    expect(detail.data).toMatchObject({ kind: 'dcimanager' });
    expect(operations['server.create']).toMatchObject({
      supported: true,
      providerOptionsSchema: {
        properties: expect.objectContaining({ password: expect.any(Object), hddRaid: expect.any(Object) }),
      },
    });
    expect(operations['volume.attach']).toMatchObject({
      supported: false,
      reason: expect.stringContaining('block volumes'),
    });
    expect(operations['ip.detach']).toMatchObject({ supported: false, reason: expect.any(String) });
  });

  it('should fail a create with a conflict when the configuration is out of stock', async () => {
    const plans = (await api.listProviderPlans({ client, path: { name: DCI } })).data!.items;
    const empty = plans.find((p) => p.available === 0)!;
    const task = await waitForTask(client, (await create('e2e-none', { planId: empty.id })).data!.id);
    expect(task).toMatchObject({ status: 'failed', error: { code: 'conflict', status: 409 } });
    expect(task.error!.detail).toMatch(/stock is empty/);
  });

  it('should keep working when the session expires and a service sleeps', async () => {
    const handle = gateway.simulators.get(DCI)!;
    const logins = async () =>
      ((await sim(handle, 'GET', '/stats')) as { requests: Record<string, number> }).requests[
        'POST /api/auth/v4/public/token'
      ] ?? 0;
    const before = await logins();
    await sim(handle, 'POST', '/config', { expireSessions: true, sleep: ['dci'], wakeMs: 100 });
    // A disk not read before, so that the answer comes from the backend and not from the gateway's cache.
    const read = await api.getVolume({ client, path: { id: `${DCI}:102-disk0` } });
    expect(read.data).toMatchObject({ serverId: `${DCI}:102`, sizeGb: 512, state: 'in-use' });
    expect(await logins()).toBe(before + 1);
    expect((await sim(handle, 'GET', '/state')) as { sleeping: string[] }).toMatchObject({ sleeping: [] });
  });
});
