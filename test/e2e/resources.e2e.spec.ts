import { api, catalogPicks, clientFor, succeeded, type Client } from '../support/api';
import { KEYS, startTestGateway, type TestGateway } from '../support/gateway';

describe('volumes, IP addresses and networks over CloudMC (e2e)', () => {
  let gateway: TestGateway;
  let client: Client;
  let serverId: string;

  beforeAll(async () => {
    gateway = await startTestGateway({ connections: [{ name: 'cm-a', kind: 'cloudmc' }] });
    client = clientFor(gateway.baseUrl, KEYS.admin);
    const created = await api.createServer({
      client,
      body: { provider: 'cm-a', name: 'e2e-host', ...(await catalogPicks(client, 'cm-a')) },
    });
    serverId = (await succeeded(client, created.data)).resource.id!;
  });

  afterAll(() => gateway.close());

  it('should create a volume on a server, detach, attach and delete it', async () => {
    const created = await succeeded(
      client,
      (await api.createVolume({ client, body: { provider: 'cm-a', name: 'e2e-data', sizeGb: 20, serverId } }))
        .data,
    );
    expect(created.result).toMatchObject({
      name: 'e2e-data',
      sizeGb: 20,
      state: 'in-use',
      serverId,
      bootable: false,
    });
    const id = created.resource.id!;
    expect((await api.getServer({ client, path: { id: serverId } })).data!.volumeIds).toContain(id);

    const detached = await succeeded(client, (await api.detachVolume({ client, path: { id } })).data);
    expect(detached.result).toMatchObject({ state: 'available', serverId: null });

    const attached = await succeeded(
      client,
      (await api.attachVolume({ client, path: { id }, body: { serverId } })).data,
    );
    expect(attached.result).toMatchObject({ state: 'in-use', serverId });

    const refused = await api.deleteVolume({ client, path: { id } });
    expect(refused.response.status).toBe(409);
    expect(refused.error).toMatchObject({ code: 'conflict', reason: 'wrong_state', currentState: 'in-use' });

    await succeeded(client, (await api.detachVolume({ client, path: { id } })).data);
    await succeeded(client, (await api.deleteVolume({ client, path: { id } })).data);
    expect((await api.getVolume({ client, path: { id } })).response.status).toBe(404);
  });

  it('should list the root volume as bootable', async () => {
    const volumes = await api.listVolumes({ client, query: { provider: 'cm-a' } });
    const root = volumes.data!.items.find((v) => v.serverId === serverId && v.bootable);
    expect(root).toMatchObject({ state: 'in-use', bootable: true });
  });

  it('should refuse a volume without a server on CloudMC before creating a task', async () => {
    const response = await api.createVolume({
      client,
      body: { provider: 'cm-a', name: 'orphan', sizeGb: 20 },
    });
    expect(response.response.status).toBe(400);
    expect(response.error).toMatchObject({ code: 'validation_failed', errors: [{ field: 'serverId' }] });
  });

  it('should allocate an IP, attach it to the server, detach and release it', async () => {
    const allocated = await succeeded(
      client,
      (await api.allocateIp({ client, body: { provider: 'cm-a' } })).data,
    );
    expect(allocated.result).toMatchObject({ state: 'available', public: true, version: 4, serverId: null });
    const id = allocated.resource.id!;

    const attached = await succeeded(
      client,
      (await api.attachIp({ client, path: { id }, body: { serverId } })).data,
    );
    expect(attached.result).toMatchObject({ state: 'attached', serverId });
    const server = await api.getServer({ client, path: { id: serverId } });
    expect(server.data!.ipAddresses).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ address: (attached.result as { address: string }).address, public: true }),
      ]),
    );

    const detached = await succeeded(client, (await api.detachIp({ client, path: { id } })).data);
    expect(detached.result).toMatchObject({ state: 'available', serverId: null });

    await succeeded(client, (await api.releaseIp({ client, path: { id } })).data);
    expect((await api.getIp({ client, path: { id } })).response.status).toBe(404);
  });

  it('should allocate an IP straight onto a server', async () => {
    const done = await succeeded(
      client,
      (await api.allocateIp({ client, body: { provider: 'cm-a', serverId } })).data,
    );
    expect(done.result).toMatchObject({ state: 'attached', serverId });
    expect(done.steps.map((s) => s.name)).toEqual(expect.arrayContaining(['acquire', 'enable-static-nat']));
  });

  it('should create and delete a network', async () => {
    const created = await succeeded(
      client,
      (await api.createNetwork({ client, body: { provider: 'cm-a', name: 'e2e-net', cidr: '10.42.0.0/24' } }))
        .data,
    );
    expect(created.result).toMatchObject({
      name: 'e2e-net',
      state: 'available',
      cidr: '10.42.0.0/24',
      gateway: '10.42.0.1',
    });
    const id = created.resource.id!;
    expect(
      (await api.listNetworks({ client, query: { name: 'e2e-net' } })).data!.items.map((n) => n.id),
    ).toEqual([id]);
    await succeeded(client, (await api.deleteNetwork({ client, path: { id } })).data);
    expect((await api.getNetwork({ client, path: { id } })).response.status).toBe(404);
  });

  it('should reject providerOptions the provider does not publish', async () => {
    const response = await api.createNetwork({
      client,
      body: { provider: 'cm-a', name: 'x', providerOptions: { colour: 'blue' } },
    });
    expect(response.response.status).toBe(400);
    expect(response.error).toMatchObject({
      code: 'validation_failed',
      errors: [{ field: 'providerOptions', message: "unknown field 'colour'" }],
    });
  });
});
