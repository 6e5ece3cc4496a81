import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startImcoSimulator } from '../../sandbox/simulators/imco/imco.simulator';
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
import { tlsFolder } from '../support/imco-tls';

// The gateway over the IMCO simulator (mutual TLS, state-polled operations), through the generated client.

const IMCO = 'imco-e2e';

describe('IMCO through the public API (e2e, generated client, real Redis)', () => {
  let gateway: TestGateway;
  let client: Client;
  let imageId: string;
  let planId: string;
  let serverId: string;

  const createServer = async (name: string, extra: Record<string, unknown> = {}) =>
    (
      await succeeded(
        client,
        (await api.createServer({ client, body: { provider: IMCO, name, imageId, planId, ...extra } })).data,
      )
    ).resource.id!;

  beforeAll(async () => {
    gateway = await startTestGateway({ connections: [{ name: IMCO, kind: 'imco' }] });
    client = clientFor(gateway.baseUrl, KEYS.admin);
    ({ imageId, planId } = await catalogPicks(client, IMCO));
    serverId = await createServer('e2e-host');
  });

  afterAll(() => gateway.close());

  it('should describe the connection: reachable, every operation, and the IMCO provider options', async () => {
    const detail = await api.getProvider({ client, path: { name: IMCO } });
    expect(detail.data).toMatchObject({ name: IMCO, kind: 'imco' });
    expect(detail.data!.capabilities).toEqual(
      expect.arrayContaining([
        'server.create',
        'server.reboot',
        'volume.attach',
        'network.delete',
        'ip.detach',
        'catalog.locations',
      ]),
    );
    const create = detail.data!.operations.find((o) => o.operation === 'server.create')!;
    expect(Object.keys((create.providerOptionsSchema as { properties: object }).properties)).toEqual(
      expect.arrayContaining(['cloudAccountId', 'firewallProfileId', 'sshProfileIds', 'subnetId']),
    );
    const listed = await api.listProviders({ client });
    expect(listed.data!.items).toEqual([expect.objectContaining({ name: IMCO, status: expect.any(String) })]);
  });

  it('should serve templates and generic images, plans per realm and realms as locations', async () => {
    const [images, plans, locations] = await Promise.all([
      api.listProviderImages({ client, path: { name: IMCO } }),
      api.listProviderPlans({ client, path: { name: IMCO } }),
      api.listProviderLocations({ client, path: { name: IMCO } }),
    ]);
    expect(images.data!.items.map((i) => i.extra.kind)).toEqual(
      expect.arrayContaining(['template', 'generic_image']),
    );
    expect(plans.data!.items.every((p) => p.custom === false && p.id.startsWith(`${IMCO}:`))).toBe(true);
    expect(locations.data!.items.length).toBeGreaterThan(1);
  });

  it('should run a server through create → running → stop → start → reboot → rename → delete', async () => {
    const accepted = await api.createServer({
      client,
      body: { provider: IMCO, name: 'e2e-lifecycle', imageId, planId },
    });
    expect(accepted.response.status).toBe(202);
    const created = await succeeded(client, accepted.data);
    expect(created.steps.map((s) => s.name)).toEqual([
      'prepare',
      'prepare-blueprint',
      'mark',
      'commission',
      'wait-commissioned',
      'boot',
      'wait-operational',
    ]);
    expect(created.result).toMatchObject({
      name: 'e2e-lifecycle',
      state: 'running',
      providerState: 'operational',
    });
    const id = created.resource.id!;

    const stopped = await succeeded(client, (await api.stopServer({ client, path: { id }, body: {} })).data);
    expect(stopped.result).toMatchObject({ state: 'stopped', providerState: 'inactive' });
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
    expect(deleted.steps.map((s) => s.name)).toEqual([
      'shutdown',
      'wait-inactive',
      'decommission',
      'wait-deleted',
    ]);
    expect(deleted.providerStatus).toBe('deleted');
    expect((await api.getServer({ client, path: { id } })).response.status).toBe(404);
  });

  it('should list servers with the provider status and refuse a wrong-state action with 409 before any task', async () => {
    const list = await api.listServers({ client, query: { provider: IMCO } });
    expect(list.data!.providers).toEqual([expect.objectContaining({ provider: IMCO, status: 'ok' })]);
    expect(list.data!.items.map((s) => s.id)).toContain(serverId);

    const cold = await createServer('e2e-cold', { powerOn: false });
    const stopped = (await api.getServer({ client, path: { id: cold } })).data!;
    expect(stopped).toMatchObject({ state: 'stopped', allowedActions: { reboot: { allowed: false } } });
    const refused = await api.rebootServer({ client, path: { id: cold } });
    expect(refused.response.status).toBe(409);
    expect(refused.error).toMatchObject({
      code: 'conflict',
      reason: stopped.allowedActions.reboot.reason,
      currentState: 'stopped',
    });
  });

  it('should create a volume on a server, detach, attach and delete it; deleting it attached is refused', async () => {
    const created = await succeeded(
      client,
      (await api.createVolume({ client, body: { provider: IMCO, name: 'e2e-data', sizeGb: 20, serverId } }))
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

    const refused = await api.deleteVolume({ client, path: { id } });
    expect(refused.response.status).toBe(409);
    expect(refused.error).toMatchObject({ code: 'conflict', reason: 'wrong_state', currentState: 'in-use' });
    const detached = await succeeded(client, (await api.detachVolume({ client, path: { id } })).data);
    expect(detached.result).toMatchObject({ state: 'available', serverId: null });
    const attached = await succeeded(
      client,
      (await api.attachVolume({ client, path: { id }, body: { serverId } })).data,
    );
    expect(attached.result).toMatchObject({ state: 'in-use', serverId });
    await succeeded(client, (await api.detachVolume({ client, path: { id } })).data);
    await succeeded(client, (await api.deleteVolume({ client, path: { id } })).data);
    expect((await api.getVolume({ client, path: { id } })).response.status).toBe(404);
  });

  it('should create a volume without a server, and refuse a fractional size before any task', async () => {
    const loose = await succeeded(
      client,
      (await api.createVolume({ client, body: { provider: IMCO, name: 'e2e-loose', sizeGb: 10 } })).data,
    );
    expect(loose.result).toMatchObject({ state: 'available', serverId: null });
    const fractional = await api.createVolume({ client, body: { provider: IMCO, name: 'x', sizeGb: 1.5 } });
    expect(fractional.response.status).toBe(400);
    expect(fractional.error).toMatchObject({ code: 'validation_failed', errors: [{ field: 'sizeGb' }] });
  });

  it('should create a network (VPC with a subnet), list it and delete it', async () => {
    const created = await succeeded(
      client,
      (await api.createNetwork({ client, body: { provider: IMCO, name: 'e2e-net', cidr: '10.42.0.0/16' } }))
        .data,
    );
    expect(created.result).toMatchObject({ name: 'e2e-net', state: 'available', cidr: '10.42.0.0/16' });
    const id = created.resource.id!;
    expect(created.result!.extra.subnets).toHaveLength(1);
    expect(
      (await api.listNetworks({ client, query: { name: 'e2e-net' } })).data!.items.map((n) => n.id),
    ).toEqual([id]);
    await succeeded(client, (await api.deleteNetwork({ client, path: { id } })).data);
    expect((await api.getNetwork({ client, path: { id } })).response.status).toBe(404);
  });

  it('should allocate a floating IP, attach it to the server, detach and release it', async () => {
    const allocated = await succeeded(
      client,
      (await api.allocateIp({ client, body: { provider: IMCO } })).data,
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
    await succeeded(client, (await api.detachIp({ client, path: { id } })).data);
    await succeeded(client, (await api.releaseIp({ client, path: { id } })).data);
    expect((await api.getIp({ client, path: { id } })).response.status).toBe(404);
  });

  it('should allocate a floating IP straight onto a server', async () => {
    const done = await succeeded(
      client,
      (await api.allocateIp({ client, body: { provider: IMCO, serverId } })).data,
    );
    expect(done.result).toMatchObject({ state: 'attached', serverId });
    expect(done.steps.map((s) => s.name)).toEqual(
      expect.arrayContaining(['allocate', 'attach', 'wait-attached']),
    );
  });

  it('should report a server whose boot stalls as a failed task with the cause', async () => {
    const cold = await createServer('e2e-stall', { powerOn: false });
    await sim(gateway.simulators.get(IMCO)!, 'POST', '/config', { failNext: { 'servers.boot': 1 } });
    const failed = await waitForTask(
      client,
      (await api.startServer({ client, path: { id: cold } })).data!.id,
    );
    expect(failed).toMatchObject({
      status: 'failed',
      error: { code: 'provider_error', detail: expect.stringContaining('stalled') },
    });
    expect((await api.getServer({ client, path: { id: cold } })).data).toMatchObject({
      state: 'error',
      providerState: 'stalled',
    });
  });
});

describe('IMCO with a client certificate the platform does not know (e2e)', () => {
  it('should show the connection unreachable with a provider auth problem, and fail reads the same way', async () => {
    // The simulator of the gateway below, started first to copy its identity and swap in a foreign client key.
    const probeDir = mkdtempSync(join(tmpdir(), 'cloudmux-imco-foreign-'));
    const probe = await startImcoSimulator({ speed: 50, dataDir: probeDir });
    const folder = tlsFolder(probe);
    await probe.stop();
    await folder.useForeignClient();
    const gateway = await startTestGateway({
      connections: [{ name: 'imco-foreign', kind: 'imco' }],
      tuning: { tls: folder.files, retries: 0 },
    });
    try {
      const client = clientFor(gateway.baseUrl, KEYS.admin);
      let detail = (await api.getProvider({ client, path: { name: 'imco-foreign' } })).data!;
      for (let i = 0; i < 100 && detail.status === 'unknown'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        detail = (await api.getProvider({ client, path: { name: 'imco-foreign' } })).data!;
      }
      expect(detail).toMatchObject({ status: 'unreachable', statusDetail: { code: 'provider_auth_failed' } });
      const list = await api.listServers({ client, query: { provider: 'imco-foreign' } });
      expect(list.data!.providers).toEqual([
        expect.objectContaining({
          provider: 'imco-foreign',
          status: 'error',
          error: expect.objectContaining({ code: 'provider_auth_failed' }),
        }),
      ]);
    } finally {
      await gateway.close();
      rmSync(folder.dir, { recursive: true, force: true });
      rmSync(probeDir, { recursive: true, force: true });
    }
  });
});
