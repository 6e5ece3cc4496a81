// Backend quirks only; the normalized behaviour every kind shares is the port conformance suite's (test/conformance).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConflictError,
  GatewayError,
  NeedsAttentionError,
  ProviderAuthError,
  ProviderError,
  ValidationError,
} from '../../src/common/errors/gateway-error';
import { ConfigError } from '../../src/config/config.error';
import { UpstreamClient } from '../../src/providers/kit/http/upstream-client';
import { parseImcoError } from '../../src/providers/imco/client/errors';
import { ImcoClient } from '../../src/providers/imco/client/http.client';
import { imcoKind } from '../../src/providers/imco/imco.kind';
import { OPERATION_NAMES } from '../../src/providers/ports/operations';
import type { ProviderAdapter } from '../../src/providers/ports/provider-adapter';
import type { Connection } from '../../src/providers/registry/connection';
import { SEED_IDS, storagePlanId } from '../../sandbox/simulators/imco/imco-sim.seed';
import { type ImcoSimulatorHandle, startImcoSimulator } from '../../sandbox/simulators/imco/imco.simulator';
import { sim } from '../support/gateway';
import { steppedPlan } from '../support/imco-plans';
import { tlsFolder } from '../support/imco-tls';
import { normalized, runPlan, TEST_TUNING, testDeps } from '../support/plan-runner';
import { items } from '../support/listed';
import { answerNext, DIRTY_NAME, jsonWithBytes } from '../support/imco-odd-answers';

type Stats = { requests: Record<string, number> };

describe('IMCO adapter against the IMCO simulator (contract, mutual TLS)', () => {
  let simulator: ImcoSimulatorHandle;
  let dataDir: string;
  let adapter: ProviderAdapter;
  /** The adapter as clients see it: gateway ids (`im:<native id>`), stamped fields. */
  let gateway: Connection;
  let unknownStates: string[];
  let planId: string;

  const adapterWith = (overrides: Record<string, unknown> = {}) =>
    imcoKind.create(
      {
        name: 'im',
        kind: 'imco',
        ...simulator.connection,
        ...TEST_TUNING,
        discardOnDelete: false,
        overrideStalled: false,
        ...overrides,
      },
      testDeps(unknownStates),
    );
  const identity = () => ({
    cert: simulator.pki.client.certPem,
    key: simulator.pki.client.keyPem,
    ca: simulator.pki.ca.certPem,
  });
  const rawClient = () =>
    new ImcoClient(
      new UpstreamClient({
        connection: 'im',
        kind: 'imco',
        baseUrl: String(simulator.connection.endpoint),
        tuning: TEST_TUNING,
        parseError: parseImcoError,
        httpsAgent: () => new Agent({ ...identity() }),
      }),
    );
  const stats = async () => ((await sim(simulator, 'GET', '/stats')) as Stats).requests;

  const serverInput = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    imageId: SEED_IDS.templateUbuntu,
    planId,
    powerOn: true,
    labels: {},
    providerOptions: {},
    ...extra,
  });
  const createServer = async (name: string, extra: Record<string, unknown> = {}) =>
    (await runPlan(adapter, 'server.create', null, serverInput(name, extra))).nativeId!;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'imco-contract-'));
    simulator = await startImcoSimulator({ speed: 100, dataDir });
  });

  beforeEach(async () => {
    await sim(simulator, 'POST', '/reset');
    unknownStates = [];
    adapter = adapterWith();
    gateway = normalized(adapter);
    planId = (await gateway.catalog!.plans!()).find((p) => p.name.startsWith('small (Frankfurt'))!.nativeId;
  });

  afterEach(() => adapter.close?.());

  afterAll(async () => {
    await simulator.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('reads', () => {
    it('should list seeded servers, volumes, networks and IPs with normalized fields and raw states', async () => {
      const [servers, volumes, networks, ips] = await Promise.all([
        gateway.servers!.list().then(items),
        gateway.volumes!.list().then(items),
        gateway.networks!.list().then(items),
        gateway.ips!.list().then(items),
      ]);
      expect(servers).toEqual([
        expect.objectContaining({
          id: `im:${SEED_IDS.server}`,
          providerKind: 'imco',
          state: 'running',
          providerState: 'operational',
          cpuCores: 2,
          memoryMb: 4096,
          imageId: `im:${SEED_IDS.templateDebianWeb}`,
          locationId: `im:${SEED_IDS.realmAlphaEu}`,
          volumeIds: [`im:${SEED_IDS.volume}`],
          networkIds: [`im:${SEED_IDS.vpc}`],
        }),
      ]);
      expect(servers[0].ipAddresses).toEqual([
        { address: '10.20.1.10', version: 4, public: false },
        { address: '203.0.113.10', version: 4, public: true },
        { address: '198.51.100.20', version: 4, public: true },
      ]);
      expect(volumes[0]).toMatchObject({ state: 'in-use', sizeGb: 50, serverId: `im:${SEED_IDS.server}` });
      expect(networks[0]).toMatchObject({ state: 'available', cidr: '10.20.0.0/16' });
      expect(networks[0].extra.subnets).toEqual([
        expect.objectContaining({ id: SEED_IDS.subnet, cidr: '10.20.1.0/24' }),
      ]);
      expect(ips[0]).toMatchObject({
        state: 'attached',
        address: '198.51.100.20',
        serverId: `im:${SEED_IDS.server}`,
      });
      expect(await gateway.servers!.get(SEED_IDS.server)).toMatchObject({ volumeIds: servers[0].volumeIds });
    });

    it('should offer every operation but resize and rebuild, which IMCO lacks, saying why', () => {
      const lacking = ['server.rebuild', 'server.resize', 'volume.resize'];
      expect(Object.keys(adapter.plans).sort()).toEqual(
        OPERATION_NAMES.filter((op) => !lacking.includes(op)).sort(),
      );
      expect(Object.keys(adapter.unsupportedReasons!).sort()).toEqual(lacking);
      expect(gateway.capabilities).toEqual(
        expect.arrayContaining([
          'server.read',
          'volume.read',
          'network.read',
          'ip.read',
          'sshKey.read',
          'catalog.images',
        ]),
      );
      expect(gateway.capabilities).toHaveLength(5 + OPERATION_NAMES.length - lacking.length + 3);
      expect(adapter.features).toMatchObject({
        sshKeyIds: true,
        sshPublicKeys: true,
        nativeLabels: ['server', 'volume', 'network', 'ip'],
        reasons: { userData: expect.stringContaining('user-data') },
      });
      expect(adapter.features!.userData).toBeUndefined();
    });

    it('should read the catalog: templates and generic images, plans per realm, realms', async () => {
      const [images, plans, locations] = await Promise.all([
        gateway.catalog!.images!(),
        gateway.catalog!.plans!(),
        gateway.catalog!.locations!(),
      ]);
      expect(images.map((i) => i.extra.kind)).toEqual(expect.arrayContaining(['template', 'generic_image']));
      expect(images.find((i) => i.nativeId === SEED_IDS.templateUbuntu)!.os).toMatch(/Ubuntu/);
      expect(plans).toHaveLength(9);
      expect(plans[0]).toMatchObject({
        custom: false,
        cpuCores: expect.any(Number),
        memoryMb: expect.any(Number),
      });
      expect(locations.map((l) => l.nativeId)).toEqual(
        expect.arrayContaining([SEED_IDS.realmAlphaEu, SEED_IDS.realmBetaEu]),
      );
    });

    it('should read the v2 API as well', async () => {
      const v2 = adapterWith({ endpoint: String(simulator.connection.endpoint).replace(/v3$/, 'v2') });
      try {
        const [server] = await v2.servers!.list().then(items);
        expect(server.extra.sshProfileIds).toEqual([SEED_IDS.sshDefault]);
        await expect(v2.probe()).resolves.toBeUndefined();
      } finally {
        await v2.close?.();
      }
    });
  });

  describe('server lifecycle', () => {
    it('should create (mark, commission, boot), reboot through booting, and delete a server, observing the delete until 404', async () => {
      const create = await runPlan(adapter, 'server.create', null, serverInput('contract-1'));
      expect(create.steps).toEqual([
        'prepare',
        'prepare-blueprint',
        'mark',
        'commission',
        'wait-commissioned',
        'boot',
        'wait-operational',
      ]);
      expect(create.providerStatuses).toEqual(
        expect.arrayContaining(['commissioning', 'inactive', 'booting', 'operational']),
      );
      const id = create.nativeId!;
      expect(await gateway.servers!.get(id)).toMatchObject({
        planId: `im:${planId}`,
        extra: expect.objectContaining({
          firewallProfileId: SEED_IDS.firewallDefault,
          sshProfileIds: [SEED_IDS.sshDefault],
        }),
      });
      const reboot = await runPlan(adapter, 'server.reboot', id, {});
      expect(reboot.providerStatuses).toContain('booting');

      await sim(simulator, 'DELETE', '/stats');
      const deletion = await runPlan(adapter, 'server.delete', id, {});
      expect(deletion.steps).toEqual(['shutdown', 'wait-inactive', 'decommission', 'wait-deleted']);
      expect(deletion.providerStatuses).toEqual(expect.arrayContaining(['shutting_down', 'decommissioning']));
      expect(deletion.providerStatuses.at(-1)).toBe('deleted');
      const requests = await stats();
      expect(requests['PUT /v3/cloud/servers/:id/shutdown']).toBe(1);
      expect(requests['DELETE /v3/cloud/servers/:id']).toBe(1);
    });

    it('should create from a generic image with a new SSH key, making the template and profile once', async () => {
      const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIContractKey0001 dev@laptop';
      const first = await createServer('from-image', {
        imageId: SEED_IDS.imageWindows,
        sshPublicKeys: [key],
      });
      const server = await gateway.servers!.get(first);
      expect(server!.imageId).not.toBe(`im:${SEED_IDS.imageWindows}`);
      const images = await gateway.catalog!.images!();
      const made = images.filter((i) => i.extra.genericImageId === SEED_IDS.imageWindows);
      expect(made).toHaveLength(1);
      expect(server!.imageId).toBe(made[0].id);
      await createServer('from-image-2', {
        imageId: SEED_IDS.imageWindows,
        sshPublicKeys: [`${key.split(' ').slice(0, 2).join(' ')} other-comment`],
      });
      const state = (await sim(simulator, 'GET', '/state')) as { counts: Record<string, number> };
      expect(state.counts).toMatchObject({ templates: 3, ssh_profiles: 2 });
    });

    it('should ask IMCO to compile the template it makes for a generic image, once, and create the server on it', async () => {
      await sim(simulator, 'DELETE', '/stats');
      const run = await runPlan(
        adapter,
        'server.create',
        null,
        serverInput('compiled-on-request', { imageId: SEED_IDS.imageWindows }),
      );
      expect(run.providerStatuses).toEqual(expect.arrayContaining(['template-compiling', 'operational']));
      const requests = await stats();
      expect(requests['POST /v3/blueprint/templates']).toBe(1);
      expect(requests['PUT /v3/blueprint/templates/:id/compile']).toBe(1);
      const made = (await gateway.catalog!.images!()).filter(
        (i) => i.extra.genericImageId === SEED_IDS.imageWindows,
      );
      expect(made).toEqual([expect.objectContaining({ extra: expect.objectContaining({ state: 'ready' }) })]);
      expect(await gateway.servers!.get(run.nativeId!)).toMatchObject({
        state: 'running',
        imageId: made[0].id,
      });
    });

    it('should compile a template the caller names while it is still created', async () => {
      const template = (await rawClient().send<{ id: string; state: string }>(
        'POST',
        '/blueprint/templates',
        'templates.create',
        { name: 'named', generic_image_id: SEED_IDS.imageUbuntu },
      ))!;
      expect(template.state).toBe('created');
      await sim(simulator, 'DELETE', '/stats');
      const id = await createServer('on-named', { imageId: template.id, powerOn: false });
      expect((await stats())['PUT /v3/blueprint/templates/:id/compile']).toBe(1);
      expect((await gateway.servers!.get(id))!.imageId).toBe(`im:${template.id}`);
    });

    it('should fail the create with provider_error naming the template when its compile fails (injected through /__sim/)', async () => {
      await sim(simulator, 'POST', '/config', { failNext: { 'templates.compile': 1 } });
      await sim(simulator, 'DELETE', '/stats');
      const failure = await runPlan(
        adapter,
        'server.create',
        null,
        serverInput('never', { imageId: SEED_IDS.imageWindows }),
      ).catch((e: unknown) => e);
      const template = (await gateway.catalog!.images!()).find(
        (i) => i.extra.genericImageId === SEED_IDS.imageWindows,
      )!;
      expect(template.extra.state).toBe('compiling_error');
      expect(failure).toBeInstanceOf(ProviderError);
      expect(failure).toMatchObject({
        code: 'provider_error',
        retryable: false,
        message: expect.stringContaining(`template ${template.nativeId}`),
      });
      expect((failure as Error).message).toContain('compiling_error');
      const requests = await stats();
      expect(requests['PUT /v3/blueprint/templates/:id/compile']).toBe(1);
      expect(requests['POST /v3/cloud/servers']).toBeUndefined();
    });

    it('should keep waiting through a template state it does not know, report it, and go on once it is ready', async () => {
      const template = (await rawClient().send<{ id: string }>(
        'POST',
        '/blueprint/templates',
        'templates.create',
        { name: 'odd', generic_image_id: SEED_IDS.imageUbuntu },
      ))!;
      await sim(simulator, 'POST', '/config', { setStates: { templates: { [template.id]: 'queued' } } });
      const plan = steppedPlan(
        adapter,
        'server.create',
        null,
        serverInput('odd-template', { imageId: template.id }),
        '01HZXAMPLE0000000000ODDTPL',
      );
      await plan.runUntil('prepare-blueprint');
      await sim(simulator, 'DELETE', '/stats');
      expect(await plan.runOnce()).toMatchObject({ status: 'wait', providerStatus: 'template-queued' });
      expect(await plan.runOnce()).toMatchObject({ status: 'wait', providerStatus: 'template-queued' });
      expect(unknownStates).toContain('template:queued');
      expect((await stats())['PUT /v3/blueprint/templates/:id/compile']).toBeUndefined();
      await sim(simulator, 'POST', '/config', { setStates: { templates: { [template.id]: 'ready' } } });
      expect(await plan.runOnce()).toMatchObject({ status: 'done' });
      expect(plan.current()).toBe('mark');
    });

    it('should pick the plan by size and place the server in a network', async () => {
      const id = await createServer('sized', {
        planId: undefined,
        cpuCores: 4,
        memoryMb: 16384,
        locationId: SEED_IDS.realmAlphaEu,
        networkIds: [SEED_IDS.vpc],
        powerOn: false,
      });
      expect(await gateway.servers!.get(id)).toMatchObject({
        state: 'stopped',
        cpuCores: 4,
        networkIds: [`im:${SEED_IDS.vpc}`],
        extra: expect.objectContaining({ subnetId: SEED_IDS.subnet }),
      });
    });

    it('should refuse a wrong-state action as a conflict, in both error styles', async () => {
      const id = await createServer('cold', { powerOn: false });
      await expect(runPlan(adapter, 'server.reboot', id, {})).rejects.toMatchObject({
        code: 'conflict',
        extensions: { currentState: 'inactive', expectedStates: ['operational'] },
      });
      const raw = rawClient();
      const direct = await raw.send('PUT', `/cloud/servers/${id}/shutdown`, 'x').catch((e: unknown) => e);
      expect(direct).toBeInstanceOf(ConflictError);
      expect(direct).toMatchObject({
        upstream: { status: 422, code: 'state' },
        extensions: { currentState: 'inactive' },
      });
      await sim(simulator, 'POST', '/config', { wrongStateStyle: 'error-409' });
      const conflict = await raw.send('PUT', `/cloud/servers/${id}/override`, 'x').catch((e: unknown) => e);
      expect(conflict).toBeInstanceOf(ConflictError);
      expect((conflict as GatewayError).upstream).toMatchObject({
        status: 409,
        message: expect.stringContaining('stalled'),
      });
    });

    it('should fail a boot that stalls with the cause from the events, and override it when allowed', async () => {
      const id = await createServer('fragile', { powerOn: false });
      await sim(simulator, 'POST', '/config', { failNext: { 'servers.boot': 1 } });
      const failure = runPlan(adapter, 'server.start', id, {});
      await expect(failure).rejects.toBeInstanceOf(ProviderError);
      await expect(failure).rejects.toMatchObject({
        retryable: false,
        message: expect.stringMatching(/stalled.*simulated failure/),
      });
      expect((await gateway.servers!.get(id))!.state).toBe('error');
      await expect(runPlan(adapter, 'server.start', id, {})).rejects.toBeInstanceOf(ConflictError);
      const forcing = adapterWith({ overrideStalled: true });
      await runPlan(forcing, 'server.start', id, {});
      expect((await gateway.servers!.get(id))!.state).toBe('running');
      await forcing.close?.();
    });

    it('should delete a server that failed commissioning', async () => {
      await sim(simulator, 'POST', '/config', {
        failNext: { 'servers.commission': 1 },
        serverDeleteBody: 'empty',
      });
      const failed = await runPlan(adapter, 'server.create', null, serverInput('doomed')).catch(
        (e: unknown) => e,
      );
      expect(failed).toMatchObject({
        code: 'provider_error',
        message: expect.stringContaining('commission'),
      });
      const doomed = (await gateway.servers!.list().then(items)).find((s) => s.name === 'doomed')!;
      expect(doomed).toMatchObject({ state: 'error', providerState: 'commission_stalled' });
      await runPlan(adapter, 'server.delete', doomed.nativeId, {});
      expect(await gateway.servers!.get(doomed.nativeId)).toBeNull();
    });
  });

  describe('crash-safe creates and coalesced polling', () => {
    it('should adopt by the ids seen before when IMCO has no labels, and refuse to guess between two', async () => {
      await sim(simulator, 'POST', '/faults', { action: 'error', status: 404, path: '/labels$' });
      const older = await createServer('twin');
      const plan = steppedPlan(
        adapter,
        'server.create',
        null,
        serverInput('twin'),
        '01HZXAMPLE0000000000NOLABL',
      );
      await plan.runUntil('commission');
      expect(plan.state.markerLabelId).toBeNull();
      await plan.runOnce();
      const made = plan.nativeId;
      plan.index--;
      expect(await plan.runOnce({ resumed: true })).toMatchObject({ nativeId: made });
      expect(made).not.toBe(older);
      plan.index--;
      plan.state.idsBefore = [];
      await expect(plan.runOnce({ resumed: true })).rejects.toBeInstanceOf(NeedsAttentionError);
    });

    it('should resolve several tasks in flight with one list call per poll tick', async () => {
      const plans = ['a', 'b', 'c', 'd', 'e'].map((n) =>
        steppedPlan(adapter, 'server.create', null, serverInput(`batch-${n}`), `01HZXAMPLE00000000BATCH${n}`),
      );
      await Promise.all(plans.map((p) => p.runUntil('wait-commissioned')));
      await sim(simulator, 'DELETE', '/stats');
      let ticks = 0;
      let reads = 0;
      while (plans.some((p) => p.current() === 'wait-commissioned')) {
        const polling = plans.filter((p) => p.current() === 'wait-commissioned');
        ticks++;
        reads += polling.length;
        await Promise.all(polling.map((p) => p.runOnce()));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const requests = await stats();
      expect(reads).toBeGreaterThanOrEqual(plans.length);
      expect(requests['GET /v3/cloud/servers']).toBe(ticks);
      expect(requests['GET /v3/cloud/servers/:id']).toBeUndefined();
    });
  });

  describe('mutual TLS', () => {
    it('should report a handshake without a client certificate as a provider auth problem', async () => {
      const http = new UpstreamClient({
        connection: 'im',
        kind: 'imco',
        baseUrl: String(simulator.connection.endpoint),
        tuning: { ...TEST_TUNING, retries: 0 },
        parseError: parseImcoError,
        httpsAgent: () => new Agent({ ca: simulator.pki.ca.certPem }),
      });
      await expect(http.request({ method: 'GET', path: '/ping', operation: 'ping' })).rejects.toMatchObject({
        code: 'provider_auth_failed',
        message: expect.stringContaining('CERTIFICATE_REQUIRED'),
      });
    });

    it('should report a client certificate of another CA, and a server not signed by the configured CA, as auth problems', async () => {
      const folder = tlsFolder(simulator);
      const pinned = adapterWith({ tls: folder.files, retries: 0 });
      try {
        await expect(pinned.probe()).resolves.toBeUndefined();
        await folder.useForeignClient();
        await expect(pinned.probe()).rejects.toBeInstanceOf(ProviderAuthError);
        await expect(pinned.servers!.list().then(items)).rejects.toMatchObject({
          code: 'provider_auth_failed',
          message: expect.stringContaining('refused the client certificate'),
        });
        folder.restore();
        await expect(pinned.probe()).resolves.toBeUndefined();
        await folder.useForeignCa();
        await expect(pinned.probe()).rejects.toMatchObject({
          code: 'provider_auth_failed',
          retryable: false,
        });
      } finally {
        await pinned.close?.();
        rmSync(folder.dir, { recursive: true, force: true });
      }
    });

    it('should not count refused certificates as an outage: the breaker stays closed and recovery is at once', async () => {
      const folder = tlsFolder(simulator);
      const pinned = adapterWith({
        tls: folder.files,
        retries: 0,
        breakerFailures: 2,
        breakerHalfOpenMs: 600_000,
      });
      try {
        await folder.useForeignClient();
        for (let i = 0; i < 4; i++)
          await expect(pinned.servers!.list().then(items)).rejects.toMatchObject({
            code: 'provider_auth_failed',
          });
        folder.restore();
        await expect(pinned.probe()).resolves.toBeUndefined();
      } finally {
        await pinned.close?.();
        rmSync(folder.dir, { recursive: true, force: true });
      }
    });

    it('should keep using the previous files while a rotation is half done', async () => {
      const folder = tlsFolder(simulator);
      const warnings: string[] = [];
      const pinned = imcoKind.create(
        { name: 'im', kind: 'imco', ...simulator.connection, ...TEST_TUNING, tls: folder.files },
        {
          ...testDeps(),
          logger: { debug: () => undefined, info: () => undefined, warn: (m) => warnings.push(m) },
        },
      );
      try {
        writeFileSync(
          folder.files.keyFile,
          '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n',
        );
        await expect(pinned.probe()).resolves.toBeUndefined();
        expect(warnings).toEqual([expect.stringContaining('keeping the previous ones')]);
      } finally {
        await pinned.close?.();
        rmSync(folder.dir, { recursive: true, force: true });
      }
    });

    it('should refuse to start on a missing file or a key of another certificate, naming both', async () => {
      const folder = tlsFolder(simulator);
      try {
        expect(() =>
          adapterWith({ name: 'imco-eu', tls: { ...folder.files, certFile: join(folder.dir, 'nope.crt') } }),
        ).toThrow(ConfigError);
        expect(() =>
          adapterWith({ name: 'imco-eu', tls: { ...folder.files, certFile: join(folder.dir, 'nope.crt') } }),
        ).toThrow(/IMCO connection 'imco-eu': tls\.certFile '.*nope\.crt' cannot be read \(ENOENT\)/);
        writeFileSync(
          folder.files.keyFile,
          (await import('node:fs')).readFileSync(simulator.pki.files.serverKeyFile),
        );
        expect(() => adapterWith({ name: 'imco-eu', tls: folder.files })).toThrow(
          /tls\.keyFile '.*cert\.key' does not belong/,
        );
      } finally {
        rmSync(folder.dir, { recursive: true, force: true });
      }
    });

    it('should still report a plain connection reset as provider unavailable', async () => {
      const fragile = adapterWith({ retries: 0 });
      await sim(simulator, 'POST', '/faults', { action: 'reset', path: '/ping$', count: 1 });
      await expect(fragile.probe()).rejects.toMatchObject({ code: 'provider_unavailable' });
      await fragile.close?.();
    });
  });

  describe('errors', () => {
    it('should parse the errors hash into field errors, and fall back to the raw text', async () => {
      const failure = await runPlan(adapter, 'volume.create', null, {
        name: 'too-big',
        sizeGb: 20,
        labels: {},
        providerOptions: { storagePlanId: storagePlanId(SEED_IDS.realmAlphaEu, '02') },
      }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(ValidationError);
      expect(failure).toMatchObject({
        errors: [{ field: 'storage_plan_id', message: 'is deprecated' }],
        upstream: { status: 422, code: 'storage_plan_id', message: 'storage_plan_id is deprecated' },
      });
      await sim(simulator, 'POST', '/config', { errorBodyStyle: 'text' });
      await sim(simulator, 'POST', '/faults', {
        action: 'error',
        status: 500,
        path: '/ping$',
        message: 'proxy exploded',
      });
      await expect(adapterWith({ retries: 0 }).probe()).rejects.toMatchObject({
        code: 'provider_error',
        upstream: { status: 500, message: 'proxy exploded' },
      });
    });

    it('should retry a read after a 500, and not repeat a create whose fate is unknown', async () => {
      await sim(simulator, 'POST', '/faults', {
        action: 'error',
        status: 500,
        method: 'GET',
        path: '/cloud/servers$',
        count: 1,
      });
      await expect(gateway.servers!.list().then(items)).resolves.toHaveLength(1);
      await sim(simulator, 'POST', '/faults', {
        action: 'error',
        status: 500,
        method: 'POST',
        path: '/cloud/servers$',
        count: 1,
      });
      await expect(runPlan(adapter, 'server.create', null, serverInput('once'))).rejects.toMatchObject({
        code: 'provider_error',
      });
      expect((await stats())['POST /v3/cloud/servers']).toBe(1);
    });

    it('should time out a call IMCO never answers', async () => {
      const slow = adapterWith({ timeoutMs: 300, retries: 0 });
      await sim(simulator, 'POST', '/faults', { action: 'timeout', path: '/ping$', count: 1 });
      await expect(slow.probe()).rejects.toMatchObject({ code: 'provider_timeout' });
      await slow.close?.();
    });

    it('should report a malformed body as a provider error', async () => {
      await sim(simulator, 'POST', '/faults', { action: 'malformed', path: '/ping$', count: 1 });
      await expect(adapterWith({ retries: 0 }).probe()).rejects.toMatchObject({ code: 'provider_error' });
    });
  });

  describe('volumes, networks and floating IPs', () => {
    it('should create a volume onto a server, refuse deleting it attached, and observe its delete to the end', async () => {
      const server = await createServer('with-disk');
      const created = await runPlan(adapter, 'volume.create', null, {
        name: 'data-1',
        sizeGb: 30,
        serverId: server,
        labels: {},
        providerOptions: {},
      });
      expect(created.steps).toEqual([
        'prepare',
        'mark',
        'create-volume',
        'wait-created',
        'attach',
        'wait-attached',
      ]);
      const id = created.nativeId!;
      expect(await gateway.volumes!.get(id)).toMatchObject({
        state: 'in-use',
        sizeGb: 30,
        serverId: `im:${server}`,
        bootable: false,
      });
      await expect(runPlan(adapter, 'volume.delete', id, {})).rejects.toBeInstanceOf(ConflictError);
      await runPlan(adapter, 'volume.detach', id, {});
      const deletion = await runPlan(adapter, 'volume.delete', id, {});
      expect(deletion.providerStatuses.at(-1)).toBe('deleted');
    });

    it('should discard instead of deleting when the connection says so', async () => {
      const forgetful = adapterWith({ discardOnDelete: true });
      const created = await runPlan(forgetful, 'volume.create', null, {
        name: 'keep-at-cloud',
        sizeGb: 10,
        labels: {},
        providerOptions: { realmId: SEED_IDS.realmBetaEu, cloudAccountId: SEED_IDS.accountBeta },
      });
      await sim(simulator, 'DELETE', '/stats');
      const run = await runPlan(forgetful, 'volume.delete', created.nativeId, {});
      expect(run.steps[0]).toBe('discard');
      expect((await stats())['DELETE /v3/storage/volumes/:id/discard']).toBe(1);
      expect(await forgetful.volumes!.get(created.nativeId!)).toBeNull();
      await forgetful.close?.();
    });

    it('should create a VPC with its default subnet, place a server in it, and refuse to delete it then', async () => {
      const run = await runPlan(adapter, 'network.create', null, {
        name: 'net-1',
        cidr: '10.77.0.0/16',
        labels: {},
        providerOptions: {},
      });
      expect(run.steps).toEqual([
        'prepare',
        'mark',
        'create-vpc',
        'wait-active',
        'create-subnet',
        'wait-subnet',
      ]);
      const network = await gateway.networks!.get(run.nativeId!);
      expect(network).toMatchObject({ cidr: '10.77.0.0/16' });
      expect(network!.extra.subnets).toEqual([
        expect.objectContaining({ name: 'net-1-subnet', cidr: '10.77.0.0/24' }),
      ]);
      await createServer('in-net', { networkIds: [run.nativeId], powerOn: false });
      await expect(runPlan(adapter, 'network.delete', run.nativeId, {})).rejects.toBeInstanceOf(
        ConflictError,
      );
    });

    it('should allocate a public floating IP onto a server, and refuse to release it attached', async () => {
      const server = await createServer('ip-target');
      const run = await runPlan(adapter, 'ip.allocate', null, {
        serverId: server,
        labels: {},
        providerOptions: {},
      });
      const id = run.nativeId!;
      expect(await gateway.ips!.get(id)).toMatchObject({ public: true });
      await expect(runPlan(adapter, 'ip.release', id, {})).rejects.toBeInstanceOf(ConflictError);
    });
  });

  describe('labels and SSH keys (issue 14: IMCO labels are names; SSH keys are SSH profiles)', () => {
    type Label = { id: string; name: string; namespace?: string | null };
    const labelsOfSim = async () => rawClient().list<Label>('/labels', 'labels.list');
    const labelIdsOf = async (path: string) =>
      (await rawClient().get<{ label_ids: string[] }>(path, 'read'))!.label_ids;
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIContractKey0002 ci@runner';

    it("should read IMCO labels as gateway labels, leaving out IMCO's own (namespaced) ones", async () => {
      const server = await gateway.servers!.get(SEED_IDS.server);
      // `production` is a user label of the seed; `web-stack` a CAT deployment's, namespaced.
      expect(server!.labels).toEqual({ production: '' });
      expect(server!.extra.labelIds).toEqual([SEED_IDS.labelProduction, SEED_IDS.labelDeployment]);
      expect((await gateway.networks!.get(SEED_IDS.vpc))!.labels).toEqual({ production: '' });
      expect((await gateway.volumes!.get(SEED_IDS.volume))!.labels).toEqual({});
    });

    it('should put labels on at create as one IMCO label name each, beside the marker', async () => {
      const run = await runPlan(
        adapter,
        'server.create',
        null,
        serverInput('labelled', { labels: { env: 'prod', owner: 'ops@example.com', tier: '' } }),
      );
      const names = await labelsOfSim();
      const carried = await labelIdsOf(`/cloud/servers/${run.nativeId}`);
      const carriedNames = carried.map((id) => names.find((l) => l.id === id)!.name);
      expect(carriedNames).toHaveLength(4);
      expect(carriedNames).toEqual(
        expect.arrayContaining([
          'env prod',
          'owner ops_aexample.com',
          'tier',
          expect.stringMatching(/^gw[0-9a-z]{10}$/),
        ]),
      );
      expect((await gateway.servers!.get(run.nativeId!))!.labels).toEqual({
        env: 'prod',
        owner: 'ops@example.com',
        tier: '',
      });
      // The labels exist now: the next create finds them instead of making them again.
      await sim(simulator, 'DELETE', '/stats');
      const volume = await runPlan(adapter, 'volume.create', null, {
        name: 'labelled-data',
        sizeGb: 10,
        serverId: run.nativeId!,
        labels: { env: 'prod' },
        providerOptions: {},
      });
      expect((await stats())['POST /v3/labels']).toBe(1); // the marker only
      expect((await gateway.volumes!.get(volume.nativeId!))!.labels).toEqual({ env: 'prod' });
    });

    it("should relabel one label call at a time, never touching the marker, IMCO's own or foreign labels", async () => {
      const raw = rawClient();
      const foreign = (await raw.send<Label>('POST', '/labels', 'x', { name: 'Web Servers' }))!;
      await raw.send('POST', `/labels/${foreign.id}/resources`, 'x', {
        resources: [{ id: SEED_IDS.server, resource_type: 'server' }],
      });
      await sim(simulator, 'DELETE', '/stats');
      const run = await runPlan(adapter, 'server.relabel', SEED_IDS.server, {
        labels: { tier: 'web', env: 'prod' },
      });
      expect(run.steps).toEqual(['relabel']);
      expect(run.providerStatuses).toEqual(['labels +2 -1']);
      const requests = await stats();
      expect(requests['DELETE /v3/labels/:id/resources/:type/:resourceId']).toBe(1);
      expect(requests['POST /v3/labels/:id/resources']).toBe(2);
      expect(await labelIdsOf(`/cloud/servers/${SEED_IDS.server}`)).toEqual(
        expect.arrayContaining([SEED_IDS.labelDeployment, foreign.id]),
      );
      expect((await gateway.servers!.get(SEED_IDS.server))!.labels).toEqual({ tier: 'web', env: 'prod' });
      // Already so: nothing to do, no label call.
      await sim(simulator, 'DELETE', '/stats');
      expect(
        (await runPlan(adapter, 'server.relabel', SEED_IDS.server, { labels: { tier: 'web', env: 'prod' } }))
          .providerStatuses,
      ).toEqual(['labels +0 -0']);
      expect(Object.keys(await stats()).filter((call) => call.includes('/labels/'))).toEqual([]);
    });

    it('should keep the marker of a created resource through a relabel to nothing, and relabel every type', async () => {
      const made = await runPlan(adapter, 'network.create', null, {
        name: 'relabelled-net',
        cidr: '10.78.0.0/16',
        labels: { env: 'dev' },
        providerOptions: { withoutSubnet: true },
      });
      const marker = made.state.markerLabelId as string;
      await runPlan(adapter, 'network.relabel', made.nativeId, { labels: {} });
      expect(await labelIdsOf(`/network/vpcs/${made.nativeId}`)).toEqual([marker]);
      expect((await gateway.networks!.get(made.nativeId!))!.labels).toEqual({});
      await runPlan(adapter, 'ip.relabel', SEED_IDS.floatingIp, { labels: { 'role.edge': 'a:b/c' } });
      expect((await gateway.ips!.get(SEED_IDS.floatingIp))!.labels).toEqual({ 'role.edge': 'a:b/c' });
      await runPlan(adapter, 'volume.relabel', SEED_IDS.volume, { labels: { keep: '' } });
      expect((await gateway.volumes!.get(SEED_IDS.volume))!.labels).toEqual({ keep: '' });
      await expect(
        runPlan(adapter, 'volume.relabel', '64ffffffffffffffffffffff', { labels: {} }),
      ).rejects.toMatchObject({ code: 'not_found' });
    });

    it('should refuse labels before anything is made where the platform has no labels API', async () => {
      await sim(simulator, 'POST', '/faults', { action: 'error', status: 404, path: '/labels$' });
      await sim(simulator, 'DELETE', '/stats');
      await expect(
        runPlan(adapter, 'server.create', null, serverInput('no-labels', { labels: { env: 'prod' } })),
      ).rejects.toMatchObject({ code: 'provider_error', message: expect.stringContaining('no labels API') });
      expect((await stats())['POST /v3/cloud/servers']).toBeUndefined();
      await expect(runPlan(adapter, 'server.relabel', SEED_IDS.server, { labels: {} })).rejects.toMatchObject(
        { code: 'provider_error' },
      );
    });

    it('should list SSH profiles as SSH keys with their fingerprint, and make one once when resumed after a crash', async () => {
      const keys = await gateway.sshKeys!.list().then(items);
      expect(keys).toEqual([expect.objectContaining({ id: `im:${SEED_IDS.sshDefault}`, name: 'default' })]);
      const plan = steppedPlan(
        adapter,
        'sshKey.create',
        null,
        { name: 'ci-runner', publicKey: key },
        '01HZXAMPLE0000000000SSHKEY',
      );
      expect(plan.names).toEqual(['mark', 'create-profile']);
      await plan.runOnce();
      expect(await plan.runOnce()).toMatchObject({ status: 'done', providerStatus: 'created' });
      const made = plan.nativeId!;
      // The worker died after IMCO made the profile: the resumed step finds it by the task's marker label.
      plan.index--;
      expect(await plan.runOnce({ resumed: true })).toMatchObject({
        nativeId: made,
        providerStatus: 'adopted',
      });
      const state = (await sim(simulator, 'GET', '/state')) as { counts: Record<string, number> };
      expect(state.counts.ssh_profiles).toBe(2);
      expect(await gateway.sshKeys!.get(made)).toMatchObject({
        name: 'ci-runner',
        publicKey: key,
        fingerprint: expect.stringMatching(/^SHA256:/),
      });
    });

    it('should refuse a key that is not an OpenSSH one, and an unknown sshKeyIds, before any backend call', async () => {
      await sim(simulator, 'DELETE', '/stats');
      expect(() =>
        adapter.plans['sshKey.create']!({
          operation: 'sshKey.create',
          target: null,
          input: { name: 'bad', publicKey: 'ssh-rsa not-a-key' },
          taskId: 'T',
        }),
      ).toThrow(expect.objectContaining({ errors: [expect.objectContaining({ field: 'publicKey' })] }));
      const failure = await runPlan(
        adapter,
        'server.create',
        null,
        serverInput('unknown-key', { sshKeyIds: ['64ffffffffffffffffffffff'] }),
      ).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(ValidationError);
      expect(failure).toMatchObject({ errors: [{ field: 'sshKeyIds' }] });
      expect((await stats())['POST /v3/cloud/servers']).toBeUndefined();
    });

    it('should commission a server with the SSH keys named by id, and refuse to delete a key a server uses', async () => {
      const made = await runPlan(adapter, 'sshKey.create', null, { name: 'deploy', publicKey: key });
      const id = await createServer('keyed', { sshKeyIds: [made.nativeId], powerOn: false });
      expect((await gateway.servers!.get(id))!.extra.sshProfileIds).toEqual([made.nativeId]);
      await sim(simulator, 'DELETE', '/stats');
      await expect(runPlan(adapter, 'sshKey.delete', made.nativeId, {})).rejects.toBeInstanceOf(
        ConflictError,
      );
      expect((await stats())['DELETE /v3/cloud/ssh_profiles/:id']).toBeUndefined();
      await runPlan(adapter, 'server.delete', id, {});
      await runPlan(adapter, 'sshKey.delete', made.nativeId, {});
      expect(await gateway.sshKeys!.get(made.nativeId!)).toBeNull();
      // Gone already: done at once.
      expect((await runPlan(adapter, 'sshKey.delete', made.nativeId, {})).providerStatuses).toEqual([
        'deleted',
      ]);
    });
  });

  describe('odd answers (issue 12: the backend is untrusted input)', () => {
    const oddId = (n: number) => `64ac00000000000000000f0${n}`;
    const seeded = async (path: string) =>
      (await rawClient().list<Record<string, unknown>>(path, 'seed.read')).find((item) => item.id)!;

    it('should list the servers that pass the checks, name those left out, and clean names', async () => {
      const server = await seeded('/cloud/servers');
      const answer = [
        server,
        null,
        { ...server, id: oddId(1), name: undefined },
        { ...server, id: oddId(2), privateness: 'x', label_ids: 'x' },
        { ...server, id: oddId(3), public_ip: 7 },
        { ...server, id: oddId(4), name: 'DIRTY' },
      ];
      await answerNext(simulator, 'GET', '/cloud/servers$', jsonWithBytes(answer, 'DIRTY', DIRTY_NAME));
      const listed = await gateway.servers!.list();
      expect(listed.items.map((s) => [s.nativeId, s.name])).toEqual([
        [SEED_IDS.server, server.name],
        [oddId(4), 'web-1'],
      ]);
      expect(listed.skipped).toEqual([
        { nativeId: null, reason: expect.stringContaining('not a IMCO server: (root)') },
        { nativeId: oddId(1), reason: expect.stringMatching(/\/name/) },
        { nativeId: oddId(2), reason: expect.stringMatching(/\/privateness.*\/label_ids/) },
        { nativeId: oddId(3), reason: expect.stringMatching(/\/public_ip/) },
      ]);
      // The next read is the backend's real answer again.
      expect((await gateway.servers!.list()).skipped).toEqual([]);
    });

    it('should ignore bad volumes and floating IPs a server list reads, and keep the server', async () => {
      const volume = await seeded('/storage/volumes');
      const ip = await seeded('/network/floating_ips');
      await answerNext(simulator, 'GET', '/storage/volumes$', [
        null,
        { ...volume, id: oddId(5), size: 'lots' },
        volume,
      ]);
      await answerNext(simulator, 'GET', '/network/floating_ips$', [
        7,
        { ...ip, id: oddId(6), address: {} },
        ip,
      ]);
      const listed = await gateway.servers!.list();
      expect(listed.skipped).toEqual([]);
      expect(listed.items).toEqual([
        expect.objectContaining({ nativeId: SEED_IDS.server, volumeIds: [`im:${SEED_IDS.volume}`] }),
      ]);
      expect(listed.items[0].ipAddresses.map((a) => a.address)).toContain(ip.address);
    });

    it('should answer a single read of a malformed item with 502 provider_error', async () => {
      const server = await seeded('/cloud/servers');
      const volume = await seeded('/storage/volumes');
      const vpc = await seeded('/network/vpcs');
      const ip = await seeded('/network/floating_ips');
      const malformed = { status: 502, code: 'provider_error', retryable: false };
      await answerNext(simulator, 'GET', `/cloud/servers/${SEED_IDS.server}$`, { ...server, name: null });
      await expect(gateway.servers!.get(SEED_IDS.server)).rejects.toMatchObject({
        ...malformed,
        message: expect.stringMatching(/malformed IMCO server: \/name/),
      });
      await answerNext(simulator, 'GET', `/storage/volumes/${SEED_IDS.volume}$`, { ...volume, size: 'lots' });
      await expect(gateway.volumes!.get(SEED_IDS.volume)).rejects.toMatchObject(malformed);
      await answerNext(simulator, 'GET', `/network/vpcs/${SEED_IDS.vpc}$`, { ...vpc, has_vpn: 'yes' });
      await expect(gateway.networks!.get(SEED_IDS.vpc)).rejects.toMatchObject(malformed);
      await answerNext(simulator, 'GET', `/network/floating_ips/${SEED_IDS.floatingIp}$`, { ...ip, id: 12 });
      await expect(gateway.ips!.get(SEED_IDS.floatingIp)).rejects.toMatchObject(malformed);
      await answerNext(
        simulator,
        'GET',
        `/cloud/servers/${SEED_IDS.server}$`,
        jsonWithBytes({ ...server, name: 'DIRTY' }, 'DIRTY', DIRTY_NAME),
      );
      expect(await gateway.servers!.get(SEED_IDS.server)).toMatchObject({ name: 'web-1' });
    });

    it('should keep a wait polling through a malformed item in the coalesced list, saying why', async () => {
      const server = await seeded('/cloud/servers');
      await answerNext(simulator, 'GET', '/cloud/servers$', [{ ...server, state: 42 }], 2);
      const run = await runPlan(adapter, 'server.stop', SEED_IDS.server, { force: false });
      expect(run.steps).toEqual(['shutdown', 'wait-inactive']);
      expect(run.providerStatuses).toContainEqual(expect.stringMatching(/^unreadable: .*\/state/));
      expect(run.providerStatuses.at(-1)).toBe('inactive');
    });

    it('should list the volumes, networks and IPs that pass the checks and name the others', async () => {
      const volume = await seeded('/storage/volumes');
      const vpc = await seeded('/network/vpcs');
      const ip = await seeded('/network/floating_ips');
      await answerNext(simulator, 'GET', '/storage/volumes$', [volume, { ...volume, id: oddId(7), name: 3 }]);
      await answerNext(simulator, 'GET', '/network/vpcs$', [{ id: oddId(8) }, vpc]);
      await answerNext(simulator, 'GET', '/network/floating_ips$', [ip, 'ip']);
      const [volumes, networks, ips] = await Promise.all([
        gateway.volumes!.list(),
        gateway.networks!.list(),
        gateway.ips!.list(),
      ]);
      expect(volumes.items.map((v) => v.nativeId)).toEqual([SEED_IDS.volume]);
      expect(volumes.skipped).toEqual([{ nativeId: oddId(7), reason: expect.stringMatching(/\/name/) }]);
      expect(networks.items.map((n) => n.nativeId)).toEqual([SEED_IDS.vpc]);
      expect(networks.skipped).toEqual([{ nativeId: oddId(8), reason: expect.stringMatching(/\/name/) }]);
      expect(ips.items.map((i) => i.nativeId)).toEqual([SEED_IDS.floatingIp]);
      expect(ips.skipped).toEqual([{ nativeId: null, reason: expect.stringContaining('IMCO floating IP') }]);
    });

    it('should map at most maxListItems servers of one answer and say how many were sent', async () => {
      const server = await seeded('/cloud/servers');
      const many = Array.from({ length: 5 }, (_, i) => ({ ...server, id: oddId(i), name: `s${i}` }));
      await answerNext(simulator, 'GET', '/cloud/servers$', many);
      const listed = await adapterWith({ maxListItems: 3 }).servers!.list();
      expect(listed.items).toHaveLength(3);
      expect(listed.skipped).toEqual([
        { nativeId: null, reason: expect.stringContaining('answered 5 IMCO server items') },
      ]);
    });
  });
});
