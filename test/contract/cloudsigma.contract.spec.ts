// Backend quirks only; the normalized behaviour every kind shares is the port conformance suite's (test/conformance).
import {
  ConflictError,
  NotFoundError,
  ProviderAuthError,
  ProviderTimeoutError,
  ValidationError,
} from '../../src/common/errors/gateway-error';
import { ServerState } from '../../src/domain/states';
import { cloudsigmaKind } from '../../src/providers/cloudsigma/cloudsigma.kind';
import type { Connection } from '../../src/providers/registry/connection';
import { SIM_IDS } from '../../sandbox/simulators/cloudsigma/cloudsigma-sim.seed';
import {
  type CloudsigmaSimulatorHandle,
  startCloudsigmaSimulator,
} from '../../sandbox/simulators/cloudsigma/cloudsigma.simulator';
import {
  answerNextWith,
  manualPlan,
  rawClient,
  rawText,
  requestCounts,
} from '../support/cloudsigma-contract';
import { sim } from '../support/gateway';
import { normalized, runPlan, TEST_TUNING, testDeps } from '../support/plan-runner';
import { items } from '../support/listed';

describe('CloudSigma adapter against the CloudSigma 1.0 simulator (contract, real HTTP)', () => {
  let simulator: CloudsigmaSimulatorHandle;
  /** The adapter as the core sees it: reads and plans through the normalizer, so ids are gateway ids. */
  let adapter: Connection;
  let unknownStates: string[];

  const adapterWith = (overrides: Record<string, unknown> = {}) =>
    normalized(
      cloudsigmaKind.create(
        {
          name: 'cs',
          kind: 'cloudsigma',
          ...simulator.connection,
          ...TEST_TUNING,
          shutdownTimeoutSeconds: 120,
          deleteDrives: false,
          ...overrides,
        },
        testDeps(unknownStates),
      ),
      overrides,
    );

  const serverInput = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    imageId: SIM_IDS.imageDebian,
    planId: 'small',
    powerOn: true,
    labels: {},
    providerOptions: {},
    ...extra,
  });
  const createServer = async (name: string, extra: Record<string, unknown> = {}) =>
    (await runPlan(adapter, 'server.create', null, serverInput(name, extra))).nativeId!;
  const config = (settings: Record<string, unknown>) => sim(simulator, 'POST', '/config', settings);

  beforeAll(async () => {
    simulator = await startCloudsigmaSimulator({ host: '127.0.0.1', port: 0, speed: 100 });
  });

  beforeEach(async () => {
    await sim(simulator, 'POST', '/reset');
    unknownStates = [];
    adapter = adapterWith();
  });

  afterAll(() => simulator.stop());

  describe('reads', () => {
    it('should list the seeded servers, drives, VLANs and static IPs, normalized with raw states kept', async () => {
      const [servers, volumes, networks, ips] = await Promise.all([
        adapter.servers!.list().then(items),
        adapter.volumes!.list().then(items),
        adapter.networks!.list().then(items),
        adapter.ips!.list().then(items),
      ]);
      expect(servers.map((s) => [s.name, s.state, s.providerState])).toEqual([
        ['web', ServerState.Running, 'active'],
        ['db', ServerState.Stopped, 'stopped'],
      ]);
      expect(servers[0]).toMatchObject({
        id: `cs:${SIM_IDS.serverWeb}`,
        cpuMhz: 2000,
        cpuCores: 1,
        memoryMb: 2048,
        locationId: 'cs:sim',
        ipAddresses: [{ address: SIM_IDS.ipWeb, public: true }],
        networkIds: [`cs:${SIM_IDS.vlan}`],
      });
      expect(servers[1].volumeIds).toEqual([`cs:${SIM_IDS.driveDbRoot}`, `cs:${SIM_IDS.driveDbData}`]);
      expect(volumes.find((v) => v.nativeId === SIM_IDS.driveDbData)).toMatchObject({
        state: 'in-use',
        serverId: `cs:${SIM_IDS.serverDb}`,
        sizeGb: 100,
        bootable: false,
      });
      expect(volumes.find((v) => v.nativeId === SIM_IDS.driveScratch)).toMatchObject({
        state: 'available',
        serverId: null,
        extra: { metadata: { owner: 'team-a' } },
      });
      expect(networks).toEqual([expect.objectContaining({ name: 'backend', state: 'available' })]);
      expect(ips.map((ip) => [ip.id, ip.state, ip.serverId])).toEqual([
        [`cs:${SIM_IDS.ipWeb}`, 'attached', `cs:${SIM_IDS.serverWeb}`],
        [`cs:${SIM_IDS.ipFree}`, 'available', null],
      ]);
    });

    it('should find attachments from the server configuration when stopped servers claim nothing (docs/providers/cloudsigma.md#drives-on-several-servers)', async () => {
      await config({ claimWhenStopped: false });
      expect(await adapter.volumes!.get(SIM_IDS.driveDbData)).toMatchObject({
        state: 'in-use',
        serverId: `cs:${SIM_IDS.serverDb}`,
      });
    });

    it('should answer null for unknown ids when "not found" comes as 404 too, and for a library drive', async () => {
      const missing = '00000000-1111-4222-8333-444444444444';
      await config({ notFoundStatus: 404 });
      expect(await adapter.servers!.get(missing)).toBeNull();
      expect(await adapter.networks!.get(missing)).toBeNull();
      // A library drive is an image, not one of the account's volumes.
      expect(await adapter.volumes!.get(SIM_IDS.imageDebian)).toBeNull();
    });

    it('should read the catalog: library disks as images, presets and custom plan, the endpoint location', async () => {
      const [images, plans, locations] = await Promise.all([
        adapter.catalog!.images!(),
        adapter.catalog!.plans!(),
        adapter.catalog!.locations!(),
      ]);
      expect(images.map((i) => i.nativeId).sort()).toEqual(
        [SIM_IDS.imageUbuntu, SIM_IDS.imageDebian, SIM_IDS.imageRocky, SIM_IDS.imageWindows].sort(),
      );
      expect(images.find((i) => i.nativeId === SIM_IDS.imageUbuntu)).toMatchObject({
        os: 'linux',
        extra: { sizeGb: 10 },
      });
      expect(plans.map((p) => p.nativeId)).toEqual(['small', 'medium', 'large', 'xlarge', 'custom']);
      expect(locations).toEqual([{ id: 'cs:sim', nativeId: 'sim', name: 'Simulator', extra: {} }]);
    });

    it('should refuse wrong credentials as a provider auth problem', async () => {
      const bad = adapterWith({ password: 'not-the-password' });
      await expect(bad.probe()).rejects.toBeInstanceOf(ProviderAuthError);
      await expect(bad.servers!.list().then(items)).rejects.toMatchObject({
        code: 'provider_auth_failed',
        retryable: false,
        upstream: { status: 401, code: 'system' },
      });
      await expect(adapter.probe()).resolves.toBeUndefined();
    });

    it('should show the address of a running server that has it only as vnc:ip (no nic:0:dhcp line)', async () => {
      const client = rawClient(simulator);
      const [root] = await client.post('/drives/create', { name: 'vnc-root', size: 1024 ** 3 }, 'test');
      // Shaped like jclouds' create_server.txt: a NIC model and `vnc:ip auto`, no `nic:0:dhcp`.
      const [created] = await client.post(
        '/servers/create',
        {
          name: 'TestServer',
          cpu: 2000,
          smp: 'auto',
          mem: 1024,
          persistent: true,
          boot: 'ide:0:0',
          'ide:0:0': root.drive,
          'ide:0:0:media': 'disk',
          'nic:0:model': 'e1000',
          'vnc:ip': 'auto',
          'vnc:password': 'XXXXXXXX',
        },
        'test',
      );
      expect(created['nic:0:dhcp']).toBeUndefined();
      const address = created['vnc:ip'];
      expect(address).toMatch(/^198\.51\.100\.\d+$/);
      expect((await adapter.servers!.get(created.server!))!.ipAddresses).toEqual([
        { address, version: 4, public: true },
      ]);
      // The seeded web server has the same address in nic:0:dhcp and vnc:ip: shown once.
      expect((await adapter.servers!.get(SIM_IDS.serverWeb))!.ipAddresses).toEqual([
        { address: SIM_IDS.ipWeb, version: 4, public: true },
      ]);
    });

    it('should map dumped to error, keeping the raw value', async () => {
      await config({ serverStatus: { [SIM_IDS.serverWeb]: 'dumped' } });
      expect(await adapter.servers!.get(SIM_IDS.serverWeb)).toMatchObject({
        state: 'error',
        providerState: 'dumped',
      });
      expect(unknownStates).toEqual([]);
    });
  });

  describe('server lifecycle', () => {
    it('should create (clone, wait for imaging, create, start), shut down, reboot by start or reset, and delete', async () => {
      await sim(simulator, 'DELETE', '/stats');
      const create = await runPlan(adapter, 'server.create', null, serverInput('contract-1'));
      expect(create.steps).toEqual(['clone-drive', 'wait-imaging', 'create-server', 'start', 'wait-running']);
      expect(create.providerStatuses.some((s) => /^imaging (queued|\d+%)$/.test(s))).toBe(true);
      const id = create.nativeId!;
      const server = await adapter.servers!.get(id);
      expect(server).toMatchObject({
        cpuMhz: 2000,
        cpuCores: 1,
        memoryMb: 1024,
        planId: 'cs:small',
        imageId: `cs:${SIM_IDS.imageDebian}`,
        ipAddresses: [{ address: expect.stringMatching(/^198\.51\.100\./), public: true }],
      });
      const bootDrive = server!.volumeIds[0].slice('cs:'.length);
      expect(await adapter.volumes!.get(bootDrive)).toMatchObject({
        name: 'contract-1-boot',
        bootable: true,
        state: 'in-use',
      });
      // The simulator started the server on create, so the start step had nothing to send.
      expect(await requestCounts(simulator, /^POST \/servers\/:id\/start$/)).toBe(0);

      await runPlan(adapter, 'server.stop', id, { force: true });
      // Stopped, the server lets go of its temporary address.
      expect((await adapter.servers!.get(id))!.ipAddresses).toEqual([]);
      await runPlan(adapter, 'server.start', id, {});
      const shutdown = await runPlan(adapter, 'server.stop', id, { force: false });
      expect(shutdown.steps).toEqual(['shutdown', 'wait-stopped']);
      expect(shutdown.providerStatuses).toContain('active'); // the guest took a while to power off
      expect((await adapter.servers!.get(id))!.state).toBe('stopped');
      await runPlan(adapter, 'server.reboot', id, {});
      expect((await adapter.servers!.get(id))!.state).toBe('running');
      // A stopped server was started; a running one is reset (hard reboot).
      expect(await requestCounts(simulator, /^POST \/servers\/:id\/reset$/)).toBe(0);
      await runPlan(adapter, 'server.reboot', id, {});
      expect(await requestCounts(simulator, /^POST \/servers\/:id\/reset$/)).toBe(1);

      const deleted = await runPlan(adapter, 'server.delete', id, {});
      expect(deleted.steps).toEqual(['stop', 'wait-stopped', 'destroy', 'wait-deleted']);
      expect(await adapter.volumes!.get(bootDrive)).toMatchObject({ state: 'available', serverId: null });
    });

    it('should start a server the backend created stopped, and leave one stopped for powerOn false', async () => {
      // Also: a copying drive shows `status imaging` here, another of the signals clients read
      // (docs/providers/cloudsigma.md#drive-states-and-imaging).
      await config({ createStarts: false, startStatus: 204, imagingStatus: true });
      const started = await createServer('cold-start');
      expect((await adapter.servers!.get(started))!.state).toBe('running');
      expect(await requestCounts(simulator, /^POST \/servers\/:id\/start$/)).toBe(1);
      await config({ createStarts: true });
      const cold = await runPlan(adapter, 'server.create', null, serverInput('cold', { powerOn: false }));
      expect(cold.steps.slice(-2)).toEqual(['stop', 'wait-stopped']);
      expect((await adapter.servers!.get(cold.nativeId!))!.state).toBe('stopped');
    });

    it('should size a server from cpuCores and memoryMb, with a VLAN NIC and VNC settings', async () => {
      const id = await createServer('sized', {
        planId: undefined,
        cpuCores: 3,
        memoryMb: 3072,
        networkIds: [SIM_IDS.vlan],
        providerOptions: { vncPassword: 'pw123456', nicModel: 'virtio', bootDriveSizeGb: 8 },
      });
      const server = await adapter.servers!.get(id);
      expect(server).toMatchObject({ cpuCores: 3, cpuMhz: 6000, memoryMb: 3072, planId: null });
      expect(server!.networkIds).toEqual([`cs:${SIM_IDS.vlan}`]);
      expect(await adapter.volumes!.get(server!.volumeIds[0].slice(3))).toMatchObject({ sizeGb: 8 });
    });

    it('should refuse bad creates before any backend call', async () => {
      const plan = (extra: Record<string, unknown>) =>
        runPlan(adapter, 'server.create', null, serverInput('bad', extra));
      await expect(plan({ planId: 'gigantic' })).rejects.toBeInstanceOf(ValidationError);
      await expect(plan({ sshPublicKeys: ['ssh-ed25519 AAAA'] })).rejects.toMatchObject({
        errors: [{ field: 'sshPublicKeys' }],
      });
      await expect(plan({ locationId: 'lvs' })).rejects.toMatchObject({ errors: [{ field: 'locationId' }] });
      await expect(plan({ imageId: '00000000-1111-4222-8333-444444444444' })).rejects.toMatchObject({
        code: 'validation_failed',
        errors: [{ field: 'imageId' }],
      });
    });

    it('should reboot by stop and start when the backend has no /reset', async () => {
      await sim(simulator, 'POST', '/faults', { action: 'error', status: 405, path: '/reset$' });
      const run = await runPlan(adapter, 'server.reboot', SIM_IDS.serverWeb, {});
      expect(run.providerStatuses).toEqual(expect.arrayContaining(['stop sent', 'started again']));
      expect((await adapter.servers!.get(SIM_IDS.serverWeb))!.state).toBe('running');
    });

    it('should keep waiting while a guest ignores the ACPI shutdown (the deadline decides)', async () => {
      await config({ ignoreAcpi: true });
      await expect(
        runPlan(adapter, 'server.stop', SIM_IDS.serverWeb, { force: false }, { maxMs: 400 }),
      ).rejects.toThrow(/did not finish in time/);
      const plan = adapter.plan({
        operation: 'server.stop',
        target: SIM_IDS.serverWeb,
        input: { force: false },
        taskId: 'T1',
      });
      expect(
        await plan.reconcile!({
          taskId: 'T1',
          nativeId: SIM_IDS.serverWeb,
          state: {},
          polls: 0,
          stepStartedAt: 0,
          resumed: true,
        }),
      ).toBe(false);
    });

    it('should delete a server with its drives when the connection asks for it', async () => {
      const id = await createServer('with-drives');
      const drive = (await adapter.servers!.get(id))!.volumeIds[0].slice(3);
      const run = await runPlan(adapterWith({ deleteDrives: true }), 'server.delete', id, {});
      expect(run.steps).toContain('destroy-drives');
      expect(await adapter.volumes!.get(drive)).toBeNull();
    });
  });

  describe('crash-safe creates', () => {
    it('should destroy the clone when the create fails, and keep it once a server holds it', async () => {
      const before = (await adapter.volumes!.list().then(items)).length;
      await sim(simulator, 'POST', '/faults', {
        action: 'error',
        status: 402,
        path: '/servers/create$',
        count: 1,
      });
      const task = manualPlan(
        adapter,
        'server.create',
        null,
        serverInput('broke'),
        '01JCSFAILEDTASK00000000001',
      );
      await task.run('clone-drive');
      await task.run('wait-imaging');
      await expect(task.run('create-server')).rejects.toMatchObject({
        code: 'provider_error',
        upstream: { status: 402 },
      });
      expect((await adapter.volumes!.list().then(items)).length).toBe(before + 1);
      await task.plan.onFailure!(task.ctx(true));
      expect((await adapter.volumes!.list().then(items)).length).toBe(before);
    });
  });

  describe('drives as volumes', () => {
    it('should create an SSD drive, attach it to a running server (stop, set, start), refuse to delete it, detach it running', async () => {
      const created = await runPlan(adapter, 'volume.create', null, {
        name: 'data-1',
        sizeGb: 0.5,
        labels: {},
        providerOptions: { ssd: true },
      });
      const id = created.nativeId!;
      expect(await adapter.volumes!.get(id)).toMatchObject({ sizeGb: 0.5, extra: { ssd: true } });

      const attach = await runPlan(adapter, 'volume.attach', id, { serverId: SIM_IDS.serverWeb });
      expect(attach.steps).toEqual([
        'prepare-attach',
        'stop-server',
        'wait-stopped',
        'attach-drive',
        'start-server',
        'wait-running',
      ]);
      expect(attach.providerStatuses).toEqual(
        expect.arrayContaining(['server must stop', 'shutdown sent', 'set', 'start sent']),
      );
      expect((await adapter.servers!.get(SIM_IDS.serverWeb))!.state).toBe('running');

      await expect(runPlan(adapter, 'volume.delete', id, {})).rejects.toBeInstanceOf(ConflictError);
      const client = rawClient(simulator);
      // The backend's own refusal (400 "currently in use") is a conflict too.
      await expect(client.action(`/drives/${id}/destroy`, 'test')).rejects.toMatchObject({
        code: 'conflict',
        upstream: { status: 400 },
      });

      await runPlan(adapter, 'volume.detach', id, {});
      expect((await adapter.servers!.get(SIM_IDS.serverWeb))!.state).toBe('running');
    });

    it('should keep every server of a shared drive: the first as serverId, all in extra and in each volumeIds', async () => {
      const id = (
        await runPlan(adapter, 'volume.create', null, {
          name: 'shared-1',
          sizeGb: 1,
          labels: {},
          providerOptions: { shared: true },
        })
      ).nativeId!;
      await runPlan(adapter, 'volume.attach', id, { serverId: SIM_IDS.serverDb });
      await runPlan(adapter, 'volume.attach', id, { serverId: SIM_IDS.serverWeb });
      const both = [`cs:${SIM_IDS.serverWeb}`, `cs:${SIM_IDS.serverDb}`];
      const volume = await adapter.volumes!.get(id);
      expect(volume).toMatchObject({ state: 'in-use', serverId: both[0], bootable: false });
      expect(volume!.extra.serverIds).toEqual(both);
      expect(
        (await adapter.volumes!.list().then(items)).find((v) => v.nativeId === id)!.extra.serverIds,
      ).toEqual(both);
      for (const server of await adapter.servers!.list().then(items))
        expect(server.volumeIds).toContain(`cs:${id}`);
      await expect(runPlan(adapter, 'volume.delete', id, {})).rejects.toBeInstanceOf(ConflictError);

      // A detach takes the drive off the server named in serverId; the other keeps it.
      await runPlan(adapter, 'volume.detach', id, {});
      const left = await adapter.volumes!.get(id);
      expect(left).toMatchObject({ state: 'in-use', serverId: both[1] });
      expect(left!.extra.serverIds).toEqual([both[1]]);
      await runPlan(adapter, 'volume.detach', id, {});
      expect(await adapter.volumes!.get(id)).toMatchObject({ state: 'available', serverId: null });
    });

    it('should attach to a stopped server without starting it, and refuse to detach a boot drive', async () => {
      const run = await runPlan(adapter, 'volume.attach', SIM_IDS.driveScratch, {
        serverId: SIM_IDS.serverDb,
      });
      expect(run.providerStatuses.filter((s) => s === 'not needed')).toHaveLength(4);
      expect((await adapter.servers!.get(SIM_IDS.serverDb))!).toMatchObject({ state: 'stopped' });
      expect((await adapter.volumes!.get(SIM_IDS.driveScratch))!.serverId).toBe(`cs:${SIM_IDS.serverDb}`);
      await expect(runPlan(adapter, 'volume.detach', SIM_IDS.driveDbRoot, {})).rejects.toBeInstanceOf(
        ConflictError,
      );
      await expect(
        runPlan(adapter, 'volume.attach', SIM_IDS.driveDbData, { serverId: SIM_IDS.serverWeb }),
      ).rejects.toMatchObject({
        code: 'conflict',
      });
    });

    it('should create a drive straight onto a server, and hard-stop a guest that ignores the shutdown', async () => {
      await config({ ignoreAcpi: true });
      const quick = adapterWith({ shutdownTimeoutSeconds: 0 });
      const run = await runPlan(quick, 'volume.create', null, {
        name: 'data-2',
        sizeGb: 2,
        serverId: SIM_IDS.serverWeb,
        labels: {},
        providerOptions: {},
      });
      expect(run.steps[0]).toBe('create-drive');
      expect(run.providerStatuses).toContain('guest ignored shutdown; stop sent');
      expect(await adapter.volumes!.get(run.nativeId!)).toMatchObject({
        state: 'in-use',
        serverId: `cs:${SIM_IDS.serverWeb}`,
      });
      expect((await adapter.servers!.get(SIM_IDS.serverWeb))!.state).toBe('running');
    });

    it('should remove a drive created for a server it could not reach', async () => {
      const missing = '00000000-1111-4222-8333-444444444444';
      const task = manualPlan(
        adapter,
        'volume.create',
        null,
        { name: 'orphan', sizeGb: 1, serverId: missing, labels: {}, providerOptions: {} },
        '01JCSORPHANTASK00000000001',
      );
      await task.run('create-drive');
      await expect(task.run('prepare-attach')).rejects.toBeInstanceOf(NotFoundError);
      expect(await adapter.volumes!.get(task.nativeId!)).not.toBeNull();
      await task.plan.onFailure!(task.ctx(true));
      expect(await adapter.volumes!.get(task.nativeId!)).toBeNull();
    });

    it('should wait for a drive still imaging before attaching it', async () => {
      await config({ imagingQueueMs: 5_000, imagingMs: 20_000 });
      const task = manualPlan(
        adapter,
        'server.create',
        null,
        serverInput('img'),
        '01JCSIMAGINGTASK0000000001',
      );
      await task.run('clone-drive');
      const drive = task.state.driveId as string;
      expect(await adapter.volumes!.get(drive)).toMatchObject({ state: 'creating' });
      const attach = await runPlan(adapter, 'volume.attach', drive, { serverId: SIM_IDS.serverDb });
      expect(attach.providerStatuses.some((s) => s.startsWith('imaging'))).toBe(true);
      expect((await adapter.volumes!.get(drive))!.state).toBe('in-use');
    });
  });

  describe('static IPs and VLANs', () => {
    it('should know a static IP by its address, attach it to a running server (stop, assign, start), refuse to release it, and detach it', async () => {
      const allocated = await runPlan(adapter, 'ip.allocate', null, { labels: {}, providerOptions: {} });
      const address = allocated.nativeId!;
      expect(address).toMatch(/^192\.0\.2\.\d+$/);
      const id = await createServer('ip-host');
      const attach = await runPlan(adapter, 'ip.attach', address, { serverId: id });
      expect(attach.steps).toEqual([
        'prepare-attach',
        'stop-server',
        'wait-stopped',
        'assign-to-server',
        'start-server',
        'wait-running',
      ]);
      expect((await adapter.servers!.get(id))!).toMatchObject({
        state: 'running',
        ipAddresses: [{ address }],
      });

      await expect(runPlan(adapter, 'ip.release', address, {})).rejects.toBeInstanceOf(ConflictError);
      await runPlan(adapter, 'ip.detach', address, {});
      const server = (await adapter.servers!.get(id))!;
      expect(server.ipAddresses[0].address).toMatch(/^198\.51\.100\./); // back on a temporary address
    });

    it('should allocate an IP straight onto a stopped server, and pick the new one from an answer listing all', async () => {
      await config({ ipCreateReturnsAll: true });
      const run = await runPlan(adapter, 'ip.allocate', null, {
        serverId: SIM_IDS.serverDb,
        labels: {},
        providerOptions: {},
      });
      expect(run.nativeId).toBe('192.0.2.22');
      expect(await adapter.ips!.get(run.nativeId!)).toMatchObject({
        state: 'attached',
        serverId: `cs:${SIM_IDS.serverDb}`,
      });
      expect((await adapter.servers!.get(SIM_IDS.serverDb))!.state).toBe('stopped');
    });

    it('should keep the first of two new addresses of one create and release the other in the same task', async () => {
      await config({ ipCreateCount: 2 });
      const run = await runPlan(adapter, 'ip.allocate', null, { labels: {}, providerOptions: {} });
      expect(run.steps).toEqual(['prepare', 'create-ip', 'release-extra-addresses']);
      expect(run.nativeId).toBe('192.0.2.22');
      expect(run.providerStatuses).toContain('released 192.0.2.23');
      expect(await adapter.ips!.get('192.0.2.22')).toMatchObject({ state: 'available' });
      expect(await adapter.ips!.get('192.0.2.23')).toBeNull();
      expect((await rawClient(simulator).list('/resources/ip/list', 'test')).map((e) => e.value)).toEqual([
        SIM_IDS.ipWeb,
        SIM_IDS.ipFree,
        '192.0.2.22',
      ]);
      expect(await requestCounts(simulator, /^(GET|POST) \/resources\/ip\/:id\/destroy$/)).toBe(1);
    });

    it('should look before releasing on resume: an extra address gone already or taken by a server is left alone', async () => {
      await config({ ipCreateCount: 3 });
      const task = manualPlan(
        adapter,
        'ip.allocate',
        null,
        { labels: {}, providerOptions: {} },
        '01JCSIPEXTRATASK0000000001',
      );
      await task.run('prepare');
      expect(await task.run('create-ip')).toMatchObject({ nativeId: '192.0.2.22' });
      expect(task.state.extraAddresses).toEqual(['192.0.2.23', '192.0.2.24']);
      // The worker died after its first destroy went out; meanwhile someone gave the other to a server.
      const client = rawClient(simulator);
      await client.action('/resources/ip/192.0.2.23/destroy', 'test');
      await client.post(`/servers/${SIM_IDS.serverDb}/set`, { 'nic:0:dhcp': '192.0.2.24' }, 'test');
      await sim(simulator, 'DELETE', '/stats');
      const resumed = await task.run('release-extra-addresses', true);
      expect(resumed.providerStatus).toBe(
        `released 192.0.2.23; kept 192.0.2.24 (in use by server ${SIM_IDS.serverDb})`,
      );
      expect(await requestCounts(simulator, /destroy$/)).toBe(0);
      expect(await adapter.ips!.get('192.0.2.24')).toMatchObject({ state: 'attached' });
    });

    it("should let one IP create at a time compare the address lists, so no task takes another one's address", async () => {
      await config({ ipCreateReturnsAll: true });
      const first = manualPlan(
        adapter,
        'ip.allocate',
        null,
        { labels: {}, providerOptions: {} },
        '01JCSIPLOCKA00000000000001',
      );
      const second = manualPlan(
        adapter,
        'ip.allocate',
        null,
        { labels: {}, providerOptions: {} },
        '01JCSIPLOCKB00000000000001',
      );
      await first.run('prepare');
      const waiting = await second.plan.steps[0].run(second.ctx(false));
      expect(waiting).toMatchObject({ status: 'wait', providerStatus: 'waiting for another IP create' });
      await first.run('create-ip');
      await first.run('release-extra-addresses');
      await second.run('prepare');
      await second.run('create-ip');
      expect([first.nativeId, second.nativeId]).toEqual(['192.0.2.22', '192.0.2.23']);
      expect(second.state.extraAddresses).toEqual([]);
    });

    it('should show a VLAN with its id as tag; deleting one with a NIC on it is a conflict; a CIDR is refused', async () => {
      const run = await runPlan(adapter, 'network.create', null, {
        name: 'lab',
        labels: {},
        providerOptions: {},
      });
      expect(await adapter.networks!.get(run.nativeId!)).toMatchObject({ vlan: run.nativeId });
      await expect(runPlan(adapter, 'network.delete', SIM_IDS.vlan, {})).rejects.toMatchObject({
        code: 'conflict',
        upstream: { status: 400 },
      });
      await expect(
        runPlan(adapter, 'network.create', null, {
          name: 'x',
          cidr: '10.0.0.0/24',
          labels: {},
          providerOptions: {},
        }),
      ).rejects.toMatchObject({ errors: [{ field: 'cidr' }] });
    });
  });

  describe('labels as user: metadata (docs/providers/cloudsigma.md#labels)', () => {
    const info = async (path: string, idKey: string) =>
      (await rawClient(simulator).object(path, idKey, 'test.info'))!;

    it('should write labels as user: lines ("" for an empty value) and relabel by one set, leaving the gateway keys and other metadata alone', async () => {
      const id = await createServer('labelled', { labels: { env: 'prod', flag: '' } });
      const created = await info(`/servers/${id}/info`, 'server');
      expect(created).toMatchObject({
        'user:env': 'prod',
        'user:flag': '""',
        'user:gwimage': SIM_IDS.imageDebian,
        'user:gwtask': expect.stringMatching(/^gw[0-9a-z]{10}$/),
      });
      // Another tool's metadata, not shaped as a label: neither shown as one nor removed.
      await rawClient(simulator).post(`/servers/${id}/set`, { 'user:Note': 'two words' }, 'test.set');
      expect((await adapter.servers!.get(id))!.labels).toEqual({ env: 'prod', flag: '' });

      await sim(simulator, 'DELETE', '/stats');
      const run = await runPlan(adapter, 'server.relabel', id, { labels: { flag: '', team: 'a' } });
      expect(run.steps).toEqual(['relabel']);
      const after = await info(`/servers/${id}/info`, 'server');
      expect(after['user:env']).toBeUndefined();
      expect(after).toMatchObject({
        status: 'active', // `user:` keys change on a running server: no stop
        'user:team': 'a',
        'user:flag': '""',
        'user:Note': 'two words',
        'user:gwtask': created['user:gwtask'],
        'user:gwimage': SIM_IDS.imageDebian,
      });
      expect(await requestCounts(simulator, /^POST \/servers\/:id\/(stop|shutdown)$/)).toBe(0);
      // The same labels again: nothing to send.
      const again = await runPlan(adapter, 'server.relabel', id, { labels: { flag: '', team: 'a' } });
      expect(again.providerStatuses).toEqual(['in place']);
      expect(await requestCounts(simulator, /^POST \/servers\/:id\/set$/)).toBe(1);
    });

    it("should refuse the gateway's own metadata keys as labels before any backend call", async () => {
      await sim(simulator, 'DELETE', '/stats');
      const plan = (operation: 'server.relabel' | 'volume.relabel', target: string) =>
        adapter.plan({ operation, target, input: { labels: { gwtask: 'x' } }, taskId: 't' });
      expect(() => plan('server.relabel', SIM_IDS.serverWeb)).toThrow(ValidationError);
      expect(() => plan('volume.relabel', SIM_IDS.driveScratch)).toThrow(ValidationError);
      await expect(
        runPlan(adapter, 'volume.create', null, {
          name: 'd',
          sizeGb: 1,
          labels: { gwimage: 'y' },
          providerOptions: {},
        }),
      ).rejects.toMatchObject({ code: 'validation_failed', errors: [{ field: 'labels' }] });
      expect(await requestCounts(simulator, /^POST /)).toBe(0);
    });

    it('should label drives the same way, waiting for a drive still imaging', async () => {
      const created = await runPlan(adapter, 'volume.create', null, {
        name: 'tagged',
        sizeGb: 1,
        labels: { tier: 'gold' },
        providerOptions: {},
      });
      expect(await info(`/drives/${created.nativeId}/info`, 'drive')).toMatchObject({ 'user:tier': 'gold' });
      expect((await adapter.volumes!.get(SIM_IDS.driveScratch))!.labels).toEqual({ owner: 'team-a' });

      await config({ imagingQueueMs: 0, imagingMs: 30_000 });
      const [clone] = await rawClient(simulator).post(
        `/drives/${SIM_IDS.imageDebian}/clone`,
        { name: 'copying' },
        'test.clone',
      );
      const run = await runPlan(adapter, 'volume.relabel', clone.drive, { labels: { env: 'qa' } });
      expect(run.providerStatuses[0]).toMatch(/^imaging /);
      expect(run.providerStatuses.at(-1)).toBe('set');
      expect((await adapter.volumes!.get(clone.drive!))!.labels).toEqual({ env: 'qa' });
    });
  });

  describe('resize (docs/providers/cloudsigma.md#resize)', () => {
    const GiB = 1024 ** 3;

    it('should resize a running server by stop, set and start as visible steps; a stopped one stays stopped', async () => {
      await sim(simulator, 'DELETE', '/stats');
      const web = await runPlan(adapter, 'server.resize', SIM_IDS.serverWeb, { cpuCores: 2, memoryMb: 3072 });
      expect(web.steps).toEqual([
        'prepare-resize',
        'stop-server',
        'wait-stopped',
        'resize',
        'start-server',
        'wait-running',
      ]);
      expect(web.providerStatuses).toEqual(
        expect.arrayContaining(['server must stop', 'shutdown sent', 'set', 'start sent']),
      );
      expect(await adapter.servers!.get(SIM_IDS.serverWeb)).toMatchObject({
        state: 'running',
        cpuCores: 2,
        cpuMhz: 4000,
        memoryMb: 3072,
      });
      // The sizes it has already: nothing stops, nothing is sent.
      const same = await runPlan(adapter, 'server.resize', SIM_IDS.serverWeb, {
        cpuCores: 2,
        memoryMb: 3072,
      });
      expect(same.providerStatuses).toEqual([
        'in place already',
        'not needed',
        'not needed',
        'in place',
        'not needed',
        'not needed',
      ]);
      expect(await requestCounts(simulator, /^POST \/servers\/:id\/set$/)).toBe(1);

      const db = await runPlan(adapter, 'server.resize', SIM_IDS.serverDb, { planId: 'large' });
      expect(db.providerStatuses).toEqual([
        'server is stopped',
        'not needed',
        'not needed',
        'set',
        'not needed',
        'not needed',
      ]);
      expect(await adapter.servers!.get(SIM_IDS.serverDb)).toMatchObject({
        state: 'stopped',
        planId: 'cs:large',
      });
    });

    it('should refuse a size CloudSigma cannot take before any backend call, naming the field', () => {
      const plan = (input: Record<string, unknown>) =>
        adapter.plan({ operation: 'server.resize', target: SIM_IDS.serverWeb, input, taskId: 't' });
      expect(() => plan({ planId: 'gigantic' })).toThrow(
        expect.objectContaining({ errors: [expect.objectContaining({ field: 'planId' })] }),
      );
      expect(() => plan({ cpuCores: 11, memoryMb: 1024 })).toThrow(
        expect.objectContaining({ errors: [expect.objectContaining({ field: 'cpuCores' })] }),
      );
      expect(() => plan({})).toThrow(ValidationError);
      const volume = (sizeGb: number) =>
        adapter.plan({
          operation: 'volume.resize',
          target: SIM_IDS.driveScratch,
          input: { sizeGb },
          taskId: 't',
        });
      expect(() => volume(2048)).toThrow(ValidationError);
    });

    it('should grow a drive only, refusing a size not larger before any set, and resume a set that landed', async () => {
      await sim(simulator, 'DELETE', '/stats');
      await expect(
        runPlan(adapter, 'volume.resize', SIM_IDS.driveScratch, { sizeGb: 8 }),
      ).rejects.toMatchObject({ code: 'validation_failed', errors: [{ field: 'sizeGb' }] });
      expect(await requestCounts(simulator, /^POST \/drives\/:id\/set$/)).toBe(0);
      const free = await runPlan(adapter, 'volume.resize', SIM_IDS.driveScratch, { sizeGb: 12 });
      expect(free.providerStatuses).toEqual([
        'no server to stop',
        'not needed',
        'not needed',
        `size ${12 * GiB}`,
        'not needed',
        'not needed',
      ]);
      expect((await adapter.volumes!.get(SIM_IDS.driveScratch))!.sizeGb).toBe(12);
      // A worker died after the set landed: the resumed step finds the size in place.
      const resumed = await runPlan(
        adapter,
        'volume.resize',
        SIM_IDS.driveScratch,
        { sizeGb: 12 },
        {
          resumeAt: 'resize-drive',
          state: { serverId: null, skip: false },
        },
      );
      expect(resumed.providerStatuses[0]).toBe('in place');
      expect(await requestCounts(simulator, /^POST \/drives\/:id\/set$/)).toBe(1);
    });

    it('should stop the running server that has the drive, grow it, and start the server again', async () => {
      const root = await runPlan(adapter, 'volume.resize', SIM_IDS.driveWebRoot, { sizeGb: 30 });
      expect(root.steps).toEqual([
        'prepare-resize',
        'stop-server',
        'wait-stopped',
        'resize-drive',
        'start-server',
        'wait-running',
      ]);
      expect(root.providerStatuses[0]).toBe('server must stop');
      expect(await adapter.volumes!.get(SIM_IDS.driveWebRoot)).toMatchObject({ sizeGb: 30, state: 'in-use' });
      expect((await adapter.servers!.get(SIM_IDS.serverWeb))!.state).toBe('running');
    });

    it('should refuse to grow a shared drive two running servers have (409)', async () => {
      const raw = rawClient(simulator);
      const [shared] = await raw.post(
        '/drives/create',
        { name: 's', size: GiB, 'claim:type': 'shared' },
        't',
      );
      await raw.post(
        `/servers/${SIM_IDS.serverDb}/set`,
        { 'block:1': shared.drive, 'block:1:media': 'disk' },
        't',
      );
      await raw.action(`/servers/${SIM_IDS.serverWeb}/stop`, 't');
      await raw.post(
        `/servers/${SIM_IDS.serverWeb}/set`,
        { 'block:0': shared.drive, 'block:0:media': 'disk' },
        't',
      );
      await raw.action(`/servers/${SIM_IDS.serverWeb}/start`, 't');
      await raw.action(`/servers/${SIM_IDS.serverDb}/start`, 't');
      await expect(runPlan(adapter, 'volume.resize', shared.drive, { sizeGb: 2 })).rejects.toBeInstanceOf(
        ConflictError,
      );
      expect((await adapter.volumes!.get(shared.drive!))!.sizeGb).toBe(1);
    });
  });

  describe('rebuild (docs/providers/cloudsigma.md#rebuild)', () => {
    const rebuildInput = (providerOptions: Record<string, unknown> = {}) => ({
      imageId: SIM_IDS.imageUbuntu,
      providerOptions,
    });

    it("should put a fresh clone of the image on the boot device, with the old drive's size, SSD tag and labels, and destroy the old drive", async () => {
      await rawClient(simulator).post(
        `/drives/${SIM_IDS.driveWebRoot}/set`,
        { tags: 'affinity:ssd', 'user:role': 'root' },
        'test.set',
      );
      const before = (await adapter.servers!.get(SIM_IDS.serverWeb))!;
      const run = await runPlan(adapter, 'server.rebuild', SIM_IDS.serverWeb, rebuildInput());
      expect(run.steps).toEqual([
        'prepare-rebuild',
        'clone-drive',
        'wait-imaging',
        'prepare-swap',
        'stop-server',
        'wait-stopped',
        'swap-boot-drive',
        'start-server',
        'wait-running',
        'destroy-old-drive',
      ]);
      const after = (await adapter.servers!.get(SIM_IDS.serverWeb))!;
      expect(after).toMatchObject({
        id: before.id,
        name: 'web',
        state: 'running',
        imageId: `cs:${SIM_IDS.imageUbuntu}`,
        ipAddresses: before.ipAddresses,
        networkIds: before.networkIds,
        labels: before.labels,
        cpuMhz: before.cpuMhz,
      });
      const newRoot = after.volumeIds[0].slice('cs:'.length);
      expect(newRoot).not.toBe(SIM_IDS.driveWebRoot);
      // The image is 10 GiB, the old drive 20 GiB: the clone keeps 20.
      expect(await adapter.volumes!.get(newRoot)).toMatchObject({
        name: 'web-boot',
        sizeGb: 20,
        bootable: true,
        labels: { role: 'root' },
        extra: expect.objectContaining({ ssd: true }),
      });
      expect(await adapter.volumes!.get(SIM_IDS.driveWebRoot)).toBeNull();
    });

    it('should keep a stopped server stopped and the old drive when asked, and refuse a server without a boot disk', async () => {
      const run = await runPlan(
        adapter,
        'server.rebuild',
        SIM_IDS.serverDb,
        rebuildInput({ keepOldDrive: true }),
      );
      expect(run.providerStatuses.at(-1)).toBe(`kept ${SIM_IDS.driveDbRoot}`);
      expect((await adapter.servers!.get(SIM_IDS.serverDb))!.state).toBe('stopped');
      expect(await adapter.volumes!.get(SIM_IDS.driveDbRoot)).toMatchObject({
        state: 'available',
        serverId: null,
      });

      const raw = rawClient(simulator);
      await raw.post(`/servers/${SIM_IDS.serverDb}/set`, { 'ide:0:0': null, 'ide:0:0:media': null }, 't');
      await expect(
        runPlan(adapter, 'server.rebuild', SIM_IDS.serverDb, rebuildInput()),
      ).rejects.toBeInstanceOf(ConflictError);
    });

    it('should find its clone again when resumed, and destroy a clone no server took', async () => {
      const task = manualPlan(
        adapter,
        'server.rebuild',
        SIM_IDS.serverWeb,
        { imageId: SIM_IDS.imageDebian, providerOptions: {} },
        '01JCSREBUILDTASK0000000001',
      );
      await task.run('prepare-rebuild');
      await task.run('clone-drive');
      const clone = task.state.driveId as string;
      const drives = (await adapter.volumes!.list().then(items)).length;
      const resumed = await task.run('clone-drive', true);
      expect(resumed.providerStatus).toBe('clone found');
      expect(task.state.driveId).toBe(clone);
      expect((await adapter.volumes!.list().then(items)).length).toBe(drives);
      await task.plan.onFailure!(task.ctx(true));
      expect(await adapter.volumes!.get(clone)).toBeNull();
      expect((await adapter.servers!.get(SIM_IDS.serverWeb))!.volumeIds).toEqual([
        `cs:${SIM_IDS.driveWebRoot}`,
      ]);
    });

    it('should refuse SSH keys and user-data on a rebuild before any backend call', () => {
      const plan = (input: Record<string, unknown>) =>
        adapter.plan({
          operation: 'server.rebuild',
          target: SIM_IDS.serverWeb,
          input: { imageId: SIM_IDS.imageDebian, providerOptions: {}, ...input },
          taskId: 't',
        });
      expect(() => plan({ userData: '#cloud-config\n' })).toThrow(ValidationError);
      expect(() => plan({ sshPublicKeys: ['ssh-ed25519 AAAA x'] })).toThrow(ValidationError);
    });
  });

  describe('transport and errors', () => {
    it('should retry a read after a 500, and report a malformed body as a provider error', async () => {
      await sim(simulator, 'POST', '/faults', {
        action: 'error',
        status: 500,
        method: 'GET',
        path: '/servers/info$',
        count: 1,
      });
      await expect(adapter.servers!.list().then(items)).resolves.toHaveLength(2);
      const fragile = adapterWith({ retries: 0 });
      await sim(simulator, 'POST', '/faults', {
        action: 'malformed',
        method: 'GET',
        path: '/servers/info$',
        count: 1,
      });
      await expect(fragile.servers!.list().then(items)).rejects.toMatchObject({ code: 'provider_error' });
    });

    it('should time out a call never answered, and report a reset connection as unavailable', async () => {
      const slow = adapterWith({ timeoutMs: 300, retries: 0 });
      await sim(simulator, 'POST', '/faults', { action: 'timeout', path: '/profile/info$', count: 1 });
      await expect(slow.probe()).rejects.toBeInstanceOf(ProviderTimeoutError);
      await sim(simulator, 'POST', '/faults', { action: 'reset', path: '/profile/info$', count: 1 });
      await expect(slow.probe()).rejects.toMatchObject({ code: 'provider_unavailable' });
    });

    it('should send a destroy again as GET when a bodiless POST is refused', async () => {
      await sim(simulator, 'POST', '/faults', {
        action: 'error',
        status: 411,
        method: 'POST',
        path: '/destroy$',
        count: 1,
      });
      await runPlan(adapter, 'volume.delete', SIM_IDS.driveScratch, {});
      expect(await adapter.volumes!.get(SIM_IDS.driveScratch)).toBeNull();
      expect(await requestCounts(simulator, /^GET \/drives\/:id\/destroy$/)).toBe(1);
    });

    it('should surface a start on a missing server as not found', async () => {
      await expect(
        runPlan(adapter, 'server.start', '00000000-1111-4222-8333-444444444444', {}),
      ).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('odd answers (the backend is untrusted input: docs/adr/0004-untrusted-backends.md)', () => {
    const ODD = [1, 2, 3, 4].map((n) => `0dd0000${n}-0000-4000-8000-00000000000${n}`);
    const bytes = (...parts: Array<string | number[]>) =>
      Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : Buffer.from(part))));
    /** `web`, a NUL, `-`, two bytes that are not UTF-8, `1`. */
    const DIRTY = [0x77, 0x65, 0x62, 0x00, 0x2d, 0xff, 0xfe, 0x31];

    it('should list the servers that pass the checks, name those left out, and clean names', async () => {
      const seeded = await rawText(simulator, '/servers/info');
      await answerNextWith(
        simulator,
        '/servers/info$',
        bytes(
          seeded,
          '\n',
          'status active\nname no-id\n\n',
          'server not-a-uuid\nname bad-id\n\n',
          `server ${ODD[0]}\nname wrong-types\ncpu lots\n\n`,
          `server ${ODD[1]}\nname far-future\nstatus active\nstarted 99999999999999999999\n\n`,
          `server ${ODD[2]}\nname `,
          DIRTY,
          '\nstatus stopped\n',
        ),
      );
      const listed = await adapter.servers!.list();
      expect(listed.items.map((s) => [s.nativeId, s.name])).toEqual([
        [SIM_IDS.serverWeb, 'web'],
        [SIM_IDS.serverDb, 'db'],
        [ODD[2], 'web-1'],
      ]);
      expect(listed.skipped).toEqual([
        { nativeId: null, reason: expect.stringMatching(/^not a CloudSigma server: .*server/) },
        { nativeId: 'not-a-uuid', reason: expect.stringMatching(/\/server/) },
        { nativeId: ODD[0], reason: expect.stringMatching(/\/cpu/) },
        { nativeId: ODD[1], reason: expect.stringMatching(/\/started/) },
      ]);
      expect((await adapter.servers!.list()).skipped).toEqual([]);
    });

    it('should answer a single read of a malformed object with 502 provider_error', async () => {
      const malformed = { status: 502, code: 'provider_error', retryable: false };
      await answerNextWith(
        simulator,
        `/servers/${SIM_IDS.serverWeb}/info$`,
        `server ${SIM_IDS.serverWeb}\nstatus active\n`,
      );
      await expect(adapter.servers!.get(SIM_IDS.serverWeb)).rejects.toMatchObject({
        ...malformed,
        message: expect.stringMatching(/malformed CloudSigma server: \/name/),
      });
      await answerNextWith(
        simulator,
        `/drives/${SIM_IDS.driveScratch}/info$`,
        `drive ${SIM_IDS.driveScratch}\nname scratch\nuser ${SIM_IDS.account}\nsize lots\n`,
      );
      await expect(adapter.volumes!.get(SIM_IDS.driveScratch)).rejects.toMatchObject(malformed);
      await answerNextWith(
        simulator,
        `/resources/vlan/${SIM_IDS.vlan}/info$`,
        `resource ${SIM_IDS.vlan}\ntype vlan\n`,
      );
      await expect(adapter.networks!.get(SIM_IDS.vlan)).rejects.toMatchObject(malformed);
      await answerNextWith(
        simulator,
        `/resources/ip/${SIM_IDS.ipFree}/info$`,
        'resource not-an-address\ntype ip\n',
      );
      await expect(adapter.ips!.get(SIM_IDS.ipFree)).rejects.toMatchObject(malformed);
      await answerNextWith(
        simulator,
        `/servers/${SIM_IDS.serverWeb}/info$`,
        bytes(`server ${SIM_IDS.serverWeb}\nstatus active\nname `, DIRTY, '\n'),
      );
      expect(await adapter.servers!.get(SIM_IDS.serverWeb)).toMatchObject({ name: 'web-1' });
    });

    it('should ignore bad servers that the drive and IP lists read, and keep every drive and IP', async () => {
      const before = await Promise.all([adapter.volumes!.list(), adapter.ips!.list()]);
      const seeded = await rawText(simulator, '/servers/info');
      await answerNextWith(
        simulator,
        '/servers/info$',
        bytes(
          seeded,
          '\n',
          `status active\nname no-id\nide:0:0 ${SIM_IDS.driveScratch}\n\n`,
          `server ${ODD[3]}\nname bad-device\nide:0:1 ../../x\nnic:0:dhcp ${SIM_IDS.ipFree}\n`,
        ),
        2,
      );
      const [volumes, ips] = await Promise.all([adapter.volumes!.list(), adapter.ips!.list()]);
      expect(volumes.skipped).toEqual([]);
      expect(volumes.items).toHaveLength(before[0].items.length);
      expect(volumes.items.find((v) => v.nativeId === SIM_IDS.driveScratch)).toMatchObject({
        state: 'available',
        serverId: null,
      });
      expect(ips.skipped).toEqual([]);
      expect(ips.items.find((ip) => ip.nativeId === SIM_IDS.ipFree)).toMatchObject({
        state: 'available',
        serverId: null,
      });
    });

    it('should refuse an object with a million keys at once, and serve the rest of the list', async () => {
      // The answer (~20 MB) is over the default maxResponseBytes: raised here so the key bound is what refuses it.
      const adapter = adapterWith({ maxResponseBytes: 67_108_864 });
      const drives = (await adapter.volumes!.list()).items.length;
      await config({ bulkUserKeys: { [SIM_IDS.serverDb]: 1_000_000 } });
      const listed = await adapter.servers!.list();
      expect(listed.items.map((s) => s.nativeId)).toEqual([SIM_IDS.serverWeb]);
      expect(listed.skipped).toEqual([
        { nativeId: SIM_IDS.serverDb, reason: expect.stringMatching(/more than 2000 keys/) },
      ]);
      expect(await adapter.volumes!.list()).toEqual({
        items: expect.arrayContaining([expect.objectContaining({ nativeId: SIM_IDS.driveDbData })]),
        skipped: [],
      });
      expect((await adapter.volumes!.list()).items).toHaveLength(drives);
      await expect(adapter.servers!.get(SIM_IDS.serverDb)).rejects.toMatchObject({ code: 'provider_error' });
    });

    it('should keep a wait polling while the polled list has an object it cannot read, saying why', async () => {
      const seeded = await rawText(simulator, '/servers/info');
      const withoutWebId = seeded.replace(`server ${SIM_IDS.serverWeb}\n`, '');
      expect(withoutWebId).not.toBe(seeded);
      await answerNextWith(simulator, '/servers/info$', withoutWebId, 2);
      const run = await runPlan(adapter, 'server.stop', SIM_IDS.serverWeb, { force: true });
      expect(run.providerStatuses).toContainEqual(expect.stringMatching(/^unreadable: /));
      expect(run.providerStatuses.at(-1)).toBe('stopped');
    });

    it('should map at most maxListItems objects of one answer and say how many were sent', async () => {
      const listed = await adapterWith({ maxListItems: 1 }).servers!.list();
      expect(listed.items.map((s) => s.nativeId)).toEqual([SIM_IDS.serverWeb]);
      expect(listed.skipped).toEqual([
        { nativeId: null, reason: expect.stringContaining('answered 2 CloudSigma server items') },
      ]);
    });
  });
});
