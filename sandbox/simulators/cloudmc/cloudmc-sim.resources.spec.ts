import { SEED_IDS } from './cloudmc-sim.seed';
import { SimTestClient, item, rows, svc } from '../../../test/support/simulators/cloudmc-sim.test-client';
import { type CloudmcSimulatorHandle, startCloudmcSimulator } from './cloudmc.simulator';

// Volumes, networks, public IPs and the read-only catalogs, over real HTTP.

let sim: CloudmcSimulatorHandle;

const client = new SimTestClient(() => sim);
// Paths here are relative to the environment's services path.
const call = (method: string, path: string, body?: unknown) =>
  client.call(method, path.startsWith('/__sim') ? path : svc(path), body);
const mutate = (method: string, path: string, body?: unknown) => client.mutate(method, svc(path), body);

const firstError = async (method: string, path: string, body?: unknown) => {
  const { status, body: answer } = await call(method, path, body);
  return { status, ...answer.errors[0] };
};

beforeAll(async () => {
  sim = await startCloudmcSimulator({ host: '127.0.0.1', port: 0, speed: 200, apiKey: 'test-key' });
});

afterAll(async () => {
  await sim.stop();
});

beforeEach(async () => {
  await call('POST', '/__sim/reset');
});

describe('catalogs', () => {
  it('serves the seeded read-only catalogs with their filters', async () => {
    const count = async (path: string) => (await call('GET', path)).body.metadata?.recordCount;
    expect(await count('zones')).toBe(2);
    expect(await count('templates')).toBe(4);
    expect(await count(`templates?zone_id=${SEED_IDS.zoneTor}`)).toBe(3);
    expect(await count(`networkacls?vpc_id=${SEED_IDS.vpc}`)).toBe(3);
    expect(await count('vpcofferings')).toBe(1);
    const offerings = rows((await call('GET', 'computeofferings')).body);
    expect(offerings.find((o) => o.custom)).toMatchObject({
      availableCpuCountValues: expect.any(Array),
      maxMemoryInMBToCpuRatio: 4096,
    });
    const disks = rows((await call('GET', 'diskofferings')).body);
    expect(disks.map((d) => d.gbSize)).toEqual([20, 50, 100, 0]);
    expect(rows((await call('GET', 'networkofferings')).body).map((o) => o.vpcOnly)).toEqual([
      true,
      true,
      false,
    ]);
    expect(item((await call('GET', 'sshkeys/sim-key')).body)).toMatchObject({
      name: 'sim-key',
      fingerprint: expect.any(String),
    });
    expect(item((await call('GET', `vpcs/${SEED_IDS.vpc}`)).body)).toMatchObject({
      cidr: '10.200.0.0/16',
      sourceNatIp: '203.0.113.2',
    });
    const nics = await call('GET', `nics?instance_id=${SEED_IDS.instance}`);
    expect(rows(nics.body)).toEqual([
      expect.objectContaining({ id: SEED_IDS.instanceNic, ipAddress: '10.200.1.10', isDefault: true }),
    ]);
  });
});

describe('volumes', () => {
  it('creates attached volumes, refuses deleting attached or root ones, detaches and deletes', async () => {
    expect(await firstError('POST', 'volumes', { name: 'v', diskOfferingId: SEED_IDS.disk50 })).toMatchObject(
      {
        status: 400,
        context: { field: 'instanceId' },
      },
    );
    const customBody = { name: 'v', diskOfferingId: SEED_IDS.diskCustom, instanceId: SEED_IDS.instance };
    expect((await firstError('POST', 'volumes', customBody)).context).toEqual({ field: 'sizeInGb' });

    const created = await mutate('POST', 'volumes', { ...customBody, sizeInGb: '30' });
    expect(created.result).toMatchObject({
      type: 'data',
      state: 'Ready',
      sizeInGb: 30,
      instanceId: SEED_IDS.instance,
    });
    const id = created.result.id as string;
    expect(await firstError('DELETE', `volumes/${id}`)).toMatchObject({ status: 400, code: 2013 });
    expect(await firstError('DELETE', `volumes/${SEED_IDS.rootVolume}`)).toMatchObject({
      status: 400,
      code: 2013,
    });

    expect(
      (await mutate('POST', `volumes/${id}?operation=detachFromInstance`)).result.instanceId,
    ).toBeUndefined();
    const attached = await mutate('POST', `volumes/${id}?operation=attachToInstance`, {
      instanceId: SEED_IDS.instance,
    });
    expect(attached.result.instanceName).toBe('sim-web-1');
    await mutate('POST', `volumes/${id}?operation=detachFromInstance`);
    expect((await mutate('DELETE', `volumes/${id}`)).status).toBe('SUCCESS');
    expect((await call('GET', `volumes/${id}`)).status).toBe(404);
  });
});

describe('networks', () => {
  it('validates tier and isolated bodies', async () => {
    const tier = {
      name: 't',
      description: 'd',
      networkOfferingId: SEED_IDS.netOfferingTier,
      vpcId: SEED_IDS.vpc,
    };
    expect((await firstError('POST', 'networks', tier)).context).toEqual({ field: 'networkAclId' });
    const isolated = { name: 'i', description: 'd', networkOfferingId: SEED_IDS.netOfferingIsolated };
    expect((await firstError('POST', 'networks', { ...isolated, gateway: '10.9.0.1' })).context).toEqual({
      field: 'netmask',
    });
    expect((await firstError('POST', 'networks', { ...isolated, vpcId: SEED_IDS.vpc })).context).toEqual({
      field: 'networkOfferingId',
    });
    const made = await mutate('POST', 'networks', {
      ...isolated,
      gateway: '10.9.0.1',
      netmask: '255.255.255.0',
    });
    expect(made.result).toMatchObject({ cidr: '10.9.0.0/24', state: 'Allocated' });
    expect(made.result.vpcId).toBeUndefined();
  });

  it('creates, renames and deletes a tier; refuses deleting a network with instances', async () => {
    const created = await mutate('POST', 'networks', {
      name: 'db-tier',
      description: 'databases',
      networkOfferingId: SEED_IDS.netOfferingTier,
      vpcId: SEED_IDS.vpc,
      networkAclId: SEED_IDS.aclWeb,
    });
    expect(created.result).toMatchObject({
      cidr: '10.200.0.0/24',
      gateway: '10.200.0.1',
      state: 'Allocated',
      networkAclName: 'web-acl',
    });
    const id = created.result.id as string;
    expect((await call('GET', `networks?vpc_id=${SEED_IDS.vpc}`)).body.metadata?.recordCount).toBe(2);
    expect((await mutate('PUT', `networks/${id}`, { name: 'db' })).result.name).toBe('db');

    expect(await firstError('DELETE', `networks/${SEED_IDS.network}`)).toMatchObject({
      status: 400,
      code: 2013,
    });
    expect((await mutate('DELETE', `networks/${id}`)).status).toBe('SUCCESS');
    expect((await call('GET', `networks/${id}`)).status).toBe(404);
  });
});

describe('public IPs', () => {
  it('acquires, enables and disables static NAT, and releases; the source NAT IP stays', async () => {
    const acquired = await mutate('POST', 'publicipaddresses', { vpcId: SEED_IDS.vpc });
    expect(acquired.result).toMatchObject({
      state: 'Allocated',
      purposes: [],
      vpcId: SEED_IDS.vpc,
      ipAddress: expect.any(String),
    });
    const id = acquired.result.id as string;

    expect(
      (await firstError('POST', `publicipaddresses/${id}?operation=enableStaticNat`, { privateIpId: 'nope' }))
        .context,
    ).toMatchObject({
      field: 'privateIpId',
    });
    const nat = await mutate('POST', `publicipaddresses/${id}?operation=enableStaticNat`, {
      privateIpId: SEED_IDS.instanceIpAddressId,
    });
    expect(nat.result).toMatchObject({
      purposes: ['STATIC_NAT'],
      instances: [{ id: SEED_IDS.instance, name: 'sim-web-1' }],
    });
    const instance = item((await call('GET', `instances/${SEED_IDS.instance}`)).body);
    expect(instance.publicIps).toEqual([
      { id, ipAddress: acquired.result.ipAddress, purposes: ['STATIC_NAT'], ports: [] },
    ]);
    expect(
      (await call('GET', `publicipaddresses?instance_id=${SEED_IDS.instance}`)).body.metadata?.recordCount,
    ).toBe(1);

    expect(
      (await mutate('POST', `publicipaddresses/${id}?operation=disableStaticNat`)).result.purposes,
    ).toEqual([]);
    expect(await firstError('DELETE', `publicipaddresses/${SEED_IDS.sourceNatIp}`)).toMatchObject({
      status: 400,
      code: 2013,
    });
    expect((await mutate('DELETE', `publicipaddresses/${id}`)).status).toBe('SUCCESS');
    expect(rows((await call('GET', 'publicipaddresses')).body).map((p) => p.purposes)).toEqual([
      ['SOURCE_NAT'],
    ]);
  });
});

describe('source NAT', () => {
  it("lists each VPC's source-NAT address among its public IPs, allocated and bound to no instance", async () => {
    const vpcs = rows((await call('GET', 'vpcs')).body);
    expect(vpcs.length).toBeGreaterThan(0);
    for (const vpc of vpcs) {
      const ips = rows((await call('GET', `publicipaddresses?vpc_id=${vpc.id as string}`)).body);
      const sourceNat = ips.filter((ip) => (ip.purposes as string[]).includes('SOURCE_NAT'));
      expect(sourceNat).toEqual([
        expect.objectContaining({ ipAddress: vpc.sourceNatIp, state: 'Allocated', vpcId: vpc.id }),
      ]);
      expect(sourceNat[0].instances).toBeUndefined();
    }
  });

  it('refuses static NAT and release on it, and never hands its address out again', async () => {
    const natOn = await firstError(
      'POST',
      `publicipaddresses/${SEED_IDS.sourceNatIp}?operation=enableStaticNat`,
      {
        privateIpId: SEED_IDS.instanceIpAddressId,
      },
    );
    expect(natOn).toMatchObject({ status: 400, code: 2013 });
    const acquired = await mutate('POST', 'publicipaddresses', { vpcId: SEED_IDS.vpc });
    expect(acquired.result.ipAddress).not.toBe('203.0.113.2');
  });
});

describe('control API', () => {
  it('counts resources in /__sim/state and restores the seed on reset', async () => {
    await mutate('POST', 'publicipaddresses', { vpcId: SEED_IDS.vpc });
    const custom = await mutate('POST', 'instances', {
      name: 'custom-1',
      templateId: SEED_IDS.templateRocky,
      computeOfferingId: SEED_IDS.offeringCustom,
      networkId: SEED_IDS.network,
      cpuCount: 2,
      memoryInMB: 4096,
      portsToForward: ['22'],
    });
    expect(custom.result).toMatchObject({
      cpuCount: 2,
      memoryInMB: 4096,
      publicIps: [expect.objectContaining({ ports: ['22'] })],
    });
    const before = await call('GET', '/__sim/state');
    expect(before.body.counts).toMatchObject({ instances: 2, volumes: 2, publicipaddresses: 3, networks: 1 });
    expect(before.body.tasks).toEqual({ live: 2, pending: 0 });

    await call('POST', '/__sim/reset');
    const after = await call('GET', '/__sim/state');
    expect(after.body.counts).toMatchObject({
      instances: 1,
      volumes: 1,
      publicipaddresses: 1,
      networks: 1,
      vpcs: 1,
    });
    expect(after.body.tasks.live).toBe(0);
  });
});
