import { SIMULATORS } from '../../sandbox/simulators/simulator-kinds';
import { api, renameServer, catalogPicks, clientFor, succeeded, type Client } from '../support/api';
import { KEYS, startTestGateway, type TestGateway } from '../support/gateway';

// The CloudSigma 1.0 backend through the public API: generated client, real Redis, the simulator behind.

const CS = 'sandbox-cloudsigma';

describe('CloudSigma 1.0 through the gateway (e2e, generated client, real Redis)', () => {
  let gateway: TestGateway;
  let client: Client;
  let picks: { imageId: string; planId: string };

  beforeAll(async () => {
    gateway = await startTestGateway({ connections: [{ name: CS, kind: 'cloudsigma' }] });
    client = clientFor(gateway.baseUrl, KEYS.admin);
    picks = await catalogPicks(client, CS);
  });

  afterAll(() => gateway.close());

  const createServer = async (name: string) =>
    (
      await succeeded(
        client,
        (await api.createServer({ client, body: { provider: CS, name, ...picks } })).data,
      )
    ).resource.id!;

  it('should be one of the sandbox simulators, so the sandbox serves it as sandbox-cloudsigma', () => {
    expect(SIMULATORS.map((s) => s.kind)).toContain('cloudsigma');
  });

  it('should describe the connection: its operations, what it lacks and why, the option schemas, the catalog', async () => {
    const detail = await api.getProvider({ client, path: { name: CS } });
    expect(detail.data).toMatchObject({ name: CS, kind: 'cloudsigma' });
    // CloudSigma 1.0 keeps no SSH keys, and VLANs and static IPs have no metadata: labels the gateway keeps.
    const unsupported = detail.data!.operations.filter((o) => !o.supported);
    expect(unsupported.map((o) => o.operation).sort()).toEqual(
      ['ip.relabel', 'network.relabel', 'sshKey.create', 'sshKey.delete'].sort(),
    );
    expect(unsupported.every((o) => o.reason)).toBe(true);
    expect(detail.data!.labels).toMatchObject({
      storage: 'mixed',
      byType: { server: 'native', volume: 'native', network: 'gateway', ip: 'gateway' },
    });
    expect(detail.data!.capabilities).toEqual(
      expect.arrayContaining([
        'server.create',
        'volume.attach',
        'ip.attach',
        'network.delete',
        'catalog.plans',
      ]),
    );
    const create = detail.data!.operations.find((o) => o.operation === 'server.create')!;
    expect(Object.keys((create.providerOptionsSchema as { properties: object }).properties)).toEqual(
      expect.arrayContaining(['vncPassword', 'nicModel', 'bootDriveSizeGb', 'ssd']),
    );
    const [images, plans, locations] = await Promise.all([
      api.listProviderImages({ client, path: { name: CS } }),
      api.listProviderPlans({ client, path: { name: CS } }),
      api.listProviderLocations({ client, path: { name: CS } }),
    ]);
    expect(images.data!.items.length).toBe(4);
    expect(plans.data!.items.find((p) => p.custom)).toMatchObject({ id: `${CS}:custom` });
    expect(plans.data!.items.find((p) => p.nativeId === 'small')).toMatchObject({
      cpuCores: 1,
      cpuMhz: 2000,
      memoryMb: 1024,
    });
    expect(locations.data!.items).toEqual([expect.objectContaining({ id: `${CS}:sim` })]);
  });

  it('should run a server through create → stop → start → reboot → rename → delete', async () => {
    const accepted = await api.createServer({ client, body: { provider: CS, name: 'cs-life', ...picks } });
    expect(accepted.response.status).toBe(202);
    const created = await succeeded(client, accepted.data);
    expect(created.steps.map((s) => [s.name, s.status])).toEqual([
      ['clone-drive', 'succeeded'],
      ['wait-imaging', 'succeeded'],
      ['create-server', 'succeeded'],
      ['start', 'succeeded'],
      ['wait-running', 'succeeded'],
    ]);
    expect(created.result).toMatchObject({
      name: 'cs-life',
      state: 'running',
      providerState: 'active',
      planId: picks.planId,
    });
    const id = created.resource.id!;

    const stopped = await succeeded(
      client,
      (await api.stopServer({ client, path: { id }, body: { force: false } })).data,
    );
    expect(stopped.steps.map((s) => s.name)).toEqual(['shutdown', 'wait-stopped']);
    expect(stopped.result).toMatchObject({ state: 'stopped', providerState: 'stopped' });
    const started = await succeeded(client, (await api.startServer({ client, path: { id } })).data);
    expect(started.result).toMatchObject({ state: 'running' });
    const rebooted = await succeeded(client, (await api.rebootServer({ client, path: { id } })).data);
    expect(rebooted.result).toMatchObject({ state: 'running' });
    const renamed = await succeeded(
      client,
      (await renameServer({ client, path: { id }, body: { name: 'cs-renamed' } })).data,
    );
    expect(renamed.result).toMatchObject({ name: 'cs-renamed' });

    const listed = await api.listServers({ client, query: { provider: CS, name: 'cs-renamed' } });
    expect(listed.data!.providers).toEqual([expect.objectContaining({ provider: CS, status: 'ok' })]);
    expect(listed.data!.items.map((s) => s.id)).toEqual([id]);

    await succeeded(client, (await api.deleteServer({ client, path: { id } })).data);
    expect((await api.getServer({ client, path: { id } })).response.status).toBe(404);
  });

  it('should attach a drive to a running server (stopping and restarting it), refuse to delete it, detach and delete it', async () => {
    const serverId = await createServer('cs-disk-host');
    const volume = await succeeded(
      client,
      (await api.createVolume({ client, body: { provider: CS, name: 'cs-data', sizeGb: 2 } })).data,
    );
    expect(volume.result).toMatchObject({ name: 'cs-data', sizeGb: 2, state: 'available', serverId: null });
    const id = volume.resource.id!;

    const attached = await succeeded(
      client,
      (await api.attachVolume({ client, path: { id }, body: { serverId } })).data,
    );
    expect(attached.steps.map((s) => s.name)).toEqual([
      'prepare-attach',
      'stop-server',
      'wait-stopped',
      'attach-drive',
      'start-server',
      'wait-running',
    ]);
    expect(attached.result).toMatchObject({ state: 'in-use', serverId });
    expect((await api.getServer({ client, path: { id: serverId } })).data).toMatchObject({
      state: 'running',
    });
    expect((await api.getServer({ client, path: { id: serverId } })).data!.volumeIds).toContain(id);

    const refused = await api.deleteVolume({ client, path: { id } });
    expect(refused.response.status).toBe(409);
    expect(refused.error).toMatchObject({ code: 'conflict', reason: 'wrong_state', currentState: 'in-use' });

    const detached = await succeeded(client, (await api.detachVolume({ client, path: { id } })).data);
    expect(detached.result).toMatchObject({ state: 'available', serverId: null });
    await succeeded(client, (await api.deleteVolume({ client, path: { id } })).data);
    expect((await api.getVolume({ client, path: { id } })).response.status).toBe(404);
  });

  it('should allocate a static IP, attach it to a server, detach and release it; its id is the address', async () => {
    const serverId = await createServer('cs-ip-host');
    const allocated = await succeeded(
      client,
      (await api.allocateIp({ client, body: { provider: CS } })).data,
    );
    const address = (allocated.result as { address: string }).address;
    expect(allocated.resource.id).toBe(`${CS}:${address}`);
    expect(allocated.result).toMatchObject({ state: 'available', public: true, version: 4, serverId: null });
    const id = allocated.resource.id!;

    const attached = await succeeded(
      client,
      (await api.attachIp({ client, path: { id }, body: { serverId } })).data,
    );
    expect(attached.result).toMatchObject({ state: 'attached', serverId });
    expect((await api.getServer({ client, path: { id: serverId } })).data!.ipAddresses).toEqual([
      expect.objectContaining({ address, public: true }),
    ]);

    const detached = await succeeded(client, (await api.detachIp({ client, path: { id } })).data);
    expect(detached.result).toMatchObject({ state: 'available', serverId: null });
    await succeeded(client, (await api.releaseIp({ client, path: { id } })).data);
    expect((await api.getIp({ client, path: { id } })).response.status).toBe(404);
  });

  it('should create and delete a VLAN, showing the name it was given', async () => {
    const created = await succeeded(
      client,
      (await api.createNetwork({ client, body: { provider: CS, name: 'cs-lab' } })).data,
    );
    expect(created.result).toMatchObject({ name: 'cs-lab', state: 'available', cidr: null });
    const id = created.resource.id!;
    expect(
      (await api.listNetworks({ client, query: { name: 'cs-lab' } })).data!.items.map((n) => n.id),
    ).toEqual([id]);
    await succeeded(client, (await api.deleteNetwork({ client, path: { id } })).data);
    expect((await api.getNetwork({ client, path: { id } })).response.status).toBe(404);
  });

  it('should refuse what CloudSigma 1.0 cannot do before creating a task', async () => {
    const cidr = await api.createNetwork({ client, body: { provider: CS, name: 'x', cidr: '10.1.0.0/24' } });
    expect(cidr.response.status).toBe(400);
    expect(cidr.error).toMatchObject({ code: 'validation_failed', errors: [{ field: 'cidr' }] });
    // A feature the capability document says it lacks: 501 naming the field.
    const keys = await api.createServer({
      client,
      body: { provider: CS, name: 'x', ...picks, sshPublicKeys: ['ssh-ed25519 AAAAC3Nza'] },
    });
    expect(keys.response.status).toBe(501);
    expect(keys.error).toMatchObject({ code: 'unsupported_operation', errors: [{ field: 'sshPublicKeys' }] });
  });
});
