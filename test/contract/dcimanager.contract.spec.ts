// Backend quirks only; the normalized behaviour every kind shares is the port conformance suite's (test/conformance).
import {
  ConflictError,
  NotFoundError,
  ProviderAuthError,
  ProviderError,
  UnsupportedOperationError,
  ValidationError,
} from '../../src/common/errors/gateway-error';
import { ServerState } from '../../src/domain/states';
import type { DcimanagerAdapter } from '../../src/providers/dcimanager/dcimanager.adapter';
import { dcimanagerKind } from '../../src/providers/dcimanager/dcimanager.kind';
import type { OperationInputs, OperationName } from '../../src/providers/ports/operations';
import type { Planner } from '../../src/providers/ports/ports';
import type { ProviderAdapter } from '../../src/providers/ports/provider-adapter';
import type { Connection } from '../../src/providers/registry/connection';
import type { StepContext } from '../../src/providers/ports/operation-plan';
import { SEED_CONFIGURATIONS, SEED_IDS } from '../../sandbox/simulators/dcimanager/dcimanager-sim.seed';
import {
  type DcimanagerSimulatorHandle,
  startDcimanagerSimulator,
} from '../../sandbox/simulators/dcimanager/dcimanager.simulator';
import { DciTestClient } from '../support/simulators/dcimanager-sim.test-client';
import { sim } from '../support/gateway';
import { normalized, runOperationPlan, runPlan, TEST_TUNING, testDeps } from '../support/plan-runner';
import { items } from '../support/listed';
import { MemoryClaims } from '../../src/providers/kit/memory-claims';
import type { Claims } from '../../src/providers/ports/claims';

const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIContractKey contract@example.test';

describe('DCImanager adapter against the DCImanager simulator (contract, real HTTP)', () => {
  let simulator: DcimanagerSimulatorHandle;
  let adapter: DcimanagerAdapter;
  /** The adapter as the core sees it: reads answer gateway ids (`dci:<native id>`). */
  let dci: Connection;
  let unknownStates: string[];
  let logged: string[];

  const adapterWith = (overrides: Record<string, unknown> = {}, claims?: Claims) => {
    const deps = testDeps(unknownStates);
    if (claims) deps.claims = claims;
    const record = (message: string, fields?: Record<string, unknown>) =>
      logged.push(`${message} ${JSON.stringify(fields ?? {})}`);
    deps.logger = { debug: record, info: record, warn: record };
    return dcimanagerKind.create(
      {
        name: 'dci',
        kind: 'dcimanager',
        ...simulator.connection,
        ...TEST_TUNING,
        apiPrefix: '/api',
        wipeOnDelete: 'simple',
        ...overrides,
      },
      deps,
    ) as DcimanagerAdapter;
  };

  const createInput = (
    name: string,
    extra: Partial<OperationInputs['server.create']> = {},
  ): OperationInputs['server.create'] => ({
    name,
    imageId: String(SEED_IDS.debian),
    planId: SEED_CONFIGURATIONS.small,
    locationId: String(SEED_IDS.north),
    sshPublicKeys: [SSH_KEY],
    labels: {},
    powerOn: true,
    providerOptions: {},
    ...extra,
  });

  const rebuildInput = (
    extra: Partial<OperationInputs['server.rebuild']> = {},
  ): OperationInputs['server.rebuild'] => ({
    imageId: String(SEED_IDS.rocky),
    sshPublicKeys: [SSH_KEY],
    providerOptions: {},
    ...extra,
  });

  /** The adapter's own plan (native resources), for tests that run or rearrange its steps themselves. */
  const plan = <O extends OperationName>(operation: O, target: string | null, input: OperationInputs[O]) =>
    (adapter.plans[operation] as Planner<O>)({
      operation,
      target,
      input,
      taskId: `T${Date.now()}${Math.random()}`,
    });

  const requests = async (pattern: RegExp): Promise<number> => {
    const stats = (await sim(simulator, 'GET', '/stats')) as { requests: Record<string, number> };
    return Object.entries(stats.requests)
      .filter(([key]) => pattern.test(key))
      .reduce((sum, [, n]) => sum + n, 0);
  };

  const freeSmall = async () =>
    (await adapter.catalog.plans()).find((p) => p.nativeId === SEED_CONFIGURATIONS.small)!.available;

  beforeAll(async () => {
    simulator = await startDcimanagerSimulator({ speed: 100, password: 'contract-password-1' });
  });

  beforeEach(async () => {
    await sim(simulator, 'POST', '/reset');
    unknownStates = [];
    logged = [];
    adapter = adapterWith();
    dci = normalized(adapter);
  });

  afterAll(() => simulator.stop());

  describe('reads', () => {
    it("should list only the owner's servers, with state from operation, state and power", async () => {
      const servers = await dci.servers!.list().then(items);
      expect(servers.map((s) => s.nativeId)).toEqual(['101', '102', '103']);
      const [running, stopped, noBmc] = servers;
      expect(running).toMatchObject({
        id: 'dci:101',
        providerKind: 'dcimanager',
        name: 'web-1',
        state: ServerState.Running,
        providerState: 'on',
        imageId: `dci:${SEED_IDS.debian}`,
        planId: `dci:${SEED_CONFIGURATIONS.small}`,
        locationId: `dci:${SEED_IDS.north}`,
        memoryMb: 32 * 1024,
        volumeIds: ['dci:101-disk0', 'dci:101-disk1'],
        networkIds: expect.arrayContaining(['dci:1', 'dci:2']),
        extra: expect.objectContaining({ inventoryName: 'nb-r1-u01' }),
      });
      expect(running.ipAddresses).toEqual(
        expect.arrayContaining([
          { address: '203.0.113.10', version: 4, public: true },
          { address: '2001:db8:10::10', version: 6, public: true },
        ]),
      );
      expect(stopped).toMatchObject({ name: 'nb-r1-u02', state: ServerState.Stopped });
      expect(noBmc).toMatchObject({ state: ServerState.Unknown, planId: null, volumeIds: [] });
    });

    it('should answer null for free stock, for another customer’s server and for an id that is no number', async () => {
      for (const id of ['105', String(SEED_IDS.othersServer), 'not-a-number'])
        expect(await dci.servers!.get(id)).toBeNull();
      expect(await dci.servers!.get('102')).toMatchObject({ state: ServerState.Stopped });
    });

    it('should show an administratively suspended server as suspended', async () => {
      // An operator suspends the server in DCImanager (the gateway itself never does).
      const login = await fetch(`${simulator.url}/api/auth/v4/public/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: simulator.connection.email, password: simulator.password }),
      });
      const { token } = (await login.json()) as { token: string };
      await sim(simulator, 'POST', '/config', { paused: true });
      await fetch(`${simulator.url}/api/dci/v3/server/101/suspend`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-xsrf-token': token },
        body: '{}',
      });
      expect(await dci.servers!.get('101')).toMatchObject({
        state: ServerState.Suspended,
        providerState: 'suspending',
      });
      await sim(simulator, 'POST', '/config', { paused: false });
      for (let i = 0; i < 100 && (await dci.servers!.get('101'))!.providerState !== 'suspended'; i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await dci.servers!.get('101')).toMatchObject({
        state: ServerState.Suspended,
        providerState: 'suspended',
      });
    });

    it('should page through lists until size', async () => {
      await sim(simulator, 'POST', '/config', { maxPageSize: 1 });
      expect((await dci.servers!.list().then(items)).map((s) => s.nativeId)).toEqual(['101', '102', '103']);
      expect((await dci.networks!.list().then(items)).length).toBe(3);
    });

    it('should read the catalog, addresses, networks and local disks', async () => {
      const [images, plans, locations] = await Promise.all([
        adapter.catalog.images(),
        adapter.catalog.plans(),
        adapter.catalog.locations(),
      ]);
      expect(images.map((i) => i.name)).toContain('Debian 12');
      expect(plans.find((p) => p.nativeId === SEED_CONFIGURATIONS.small)).toMatchObject({
        available: 5,
        memoryMb: 32 * 1024,
        diskGb: 960,
        custom: false,
      });
      expect(plans.find((p) => p.nativeId === SEED_CONFIGURATIONS.desktop)!.available).toBe(0);
      expect(locations.map((l) => l.name)).toEqual(['North (sandbox)', 'South (sandbox)']);

      const ips = await dci.ips!.list().then(items);
      expect(ips.find((ip) => ip.address === '203.0.113.10')).toMatchObject({
        id: 'dci:101-501',
        state: 'attached',
        serverId: 'dci:101',
        networkId: 'dci:1',
        extra: expect.objectContaining({ main: true }),
      });
      expect(ips.some((ip) => ip.serverId === `dci:${SEED_IDS.othersServer}`)).toBe(false);
      expect(await dci.networks!.get('3')).toMatchObject({
        cidr: '198.51.100.0/24',
        gateway: '198.51.100.1',
        vlan: '210',
      });
      const disks = await dci.volumes!.list().then(items);
      expect(disks.filter((d) => d.serverId === 'dci:101')).toEqual([
        expect.objectContaining({ nativeId: '101-disk0', sizeGb: 480, state: 'in-use', bootable: true }),
        expect.objectContaining({ nativeId: '101-disk1', sizeGb: 480, bootable: false }),
      ]);
      expect(await dci.volumes!.get('104-disk0')).toBeNull();
    });

    it('should fall back to the servers for images and locations when the collections answer 404', async () => {
      await sim(simulator, 'POST', '/config', { hideCatalog: true });
      expect((await adapter.catalog.locations()).map((l) => l.nativeId)).toEqual(['1', '2']);
      expect((await adapter.catalog.images()).map((i) => i.nativeId)).toEqual(['11', '12', '13']);
    });
  });

  describe('odd answers (the backend is untrusted input)', () => {
    type Wire = Record<string, unknown>;
    /** What the simulator really answers for one server, read past the adapter: the base of odd answers. */
    const backend = async (id: number): Promise<Wire> => {
      const client = new DciTestClient(() => simulator);
      await client.login();
      return client.server(id);
    };
    const answerOnce = (path: string, body: unknown) =>
      sim(simulator, 'POST', '/faults', { action: 'body', method: 'GET', path, count: 1, body });
    const without = (object: Wire, field: string) =>
      Object.fromEntries(Object.entries(object).filter(([key]) => key !== field));

    it('should list the other servers when an answer holds null, a nameless item or wrong types', async () => {
      const [running, stopped, noBmc] = await Promise.all([101, 102, 103].map(backend));
      const ips = running.ip as Wire[];
      await answerOnce('/dci/v3/server$', {
        list: [
          null,
          without({ ...stopped, id: 901 }, 'id'),
          { ...stopped, id: 902, user_note: 5 },
          { ...stopped, id: 903, ip: 'x' },
          { ...stopped, id: 904, operation: 'x' },
          running,
          stopped,
          noBmc,
        ],
        size: 8,
      });
      const { items: servers, skipped } = await dci.servers!.list();
      expect(servers.map((s) => s.nativeId)).toEqual(['101', '102', '103']);
      expect(skipped).toEqual([
        { nativeId: null, reason: expect.stringContaining('not a DCImanager server') },
        { nativeId: null, reason: expect.stringContaining('/id') },
        { nativeId: '902', reason: expect.stringContaining('/user_note') },
        { nativeId: '903', reason: expect.stringContaining('/ip') },
        { nativeId: '904', reason: expect.stringContaining('/operation') },
      ]);

      // An address without its address costs only itself: the server's other addresses are listed.
      await answerOnce('/dci/v3/server$', {
        list: [{ ...running, ip: [...ips, { ...without(ips[0], 'name'), id: 999 }, null] }],
        size: 1,
      });
      const addresses = await dci.ips!.list();
      expect(addresses.items.map((ip) => ip.nativeId)).toEqual(ips.map((ip) => `101-${String(ip.id)}`));
      expect(addresses.skipped).toEqual([
        { nativeId: '101-999', reason: expect.stringContaining('/ip/name') },
        { nativeId: null, reason: expect.stringContaining('not a DCImanager server address') },
      ]);
    });

    it('should answer 502 provider_error for a single read of a malformed item', async () => {
      const running = await backend(101);
      for (const body of [
        { ...running, ip: 'x' },
        { ...running, name: 5, user_note: null },
        { ...running, os_template: { name: 'no id' } },
      ]) {
        await answerOnce('/dci/v3/server/101$', body);
        await expect(dci.servers!.get('101')).rejects.toMatchObject({
          status: 502,
          code: 'provider_error',
          retryable: false,
        });
      }
      await answerOnce('/dci/v3/server/101$', { ...running, configuration: 42 });
      await expect(dci.volumes!.get('101-disk0')).rejects.toMatchObject({
        status: 502,
        message: expect.stringContaining('/configuration'),
      });
      const [ip] = running.ip as Wire[];
      await answerOnce('/dci/v3/server/101$', { ...running, ip: [{ ...ip, name: 7 }] });
      await expect(dci.ips!.get(`101-${String(ip.id)}`)).rejects.toMatchObject({ status: 502 });
      // The same read, answered well, maps.
      expect(await dci.servers!.get('101')).toMatchObject({ nativeId: '101' });
    });

    it('should clean names with NUL bytes and invalid UTF-8 in lists and single reads', async () => {
      const running = await backend(101);
      // The note's bytes: "db", NUL (JSON-escaped), 0xff 0xfe (invalid UTF-8), "-2".
      const raw = (body: unknown) =>
        Buffer.from(JSON.stringify(body).replace('"@NAME@"', '"db\\u0000\u00ff\u00fe-2"'), 'latin1').toString(
          'base64',
        );
      const noted = { ...running, user_note: '@NAME@' };
      await sim(simulator, 'POST', '/faults', {
        action: 'body',
        method: 'GET',
        path: '/dci/v3/server$',
        count: 1,
        bodyBase64: raw({ list: [noted], size: 1 }),
      });
      expect((await dci.servers!.list()).items[0]).toMatchObject({ nativeId: '101', name: 'db-2' });
      await sim(simulator, 'POST', '/faults', {
        action: 'body',
        method: 'GET',
        path: '/dci/v3/server/101$',
        count: 1,
        bodyBase64: raw(noted),
      });
      expect((await dci.servers!.get('101'))!.name).toBe('db-2');
    });

    it('should stop paging once maxListItems items are read, and say what was left unread', async () => {
      await sim(simulator, 'POST', '/config', { maxPageSize: 1 });
      const small = adapterWith({ maxListItems: 2 });
      await sim(simulator, 'DELETE', '/stats');
      const { items: servers, skipped } = await small.servers.list();
      expect(servers.map((s) => s.nativeId)).toEqual(['101', '102']);
      expect(skipped).toEqual([
        {
          nativeId: null,
          reason: expect.stringMatching(/holds 3 servers.*first 2 are read \(maxListItems\)/),
        },
      ]);
      expect(await requests(/^GET .*\/dci\/v3\/server$/)).toBe(2);
    });

    it('should not read an error body larger than 64 KiB: the status alone decides', async () => {
      await sim(simulator, 'POST', '/faults', {
        action: 'body',
        status: 400,
        method: 'GET',
        path: '/dci/v3/server/101$',
        count: 1,
        body: { error: { code: 2001, msg: 'x'.repeat(70_000), value: {} } },
      });
      await expect(dci.servers!.get('101')).rejects.toMatchObject({
        code: 'validation_failed',
        upstream: { status: 400, code: null, message: null },
      });
    });
  });

  describe('session', () => {
    it('should log in once, send the box header, and never log the token or the password', async () => {
      await Promise.all([
        dci.servers!.list().then(items),
        dci.ips!.list().then(items),
        dci.networks!.list().then(items),
      ]);
      expect(adapter.session.logins).toBe(1);
      const state = (await sim(simulator, 'GET', '/state')) as Record<string, unknown>;
      expect(state.requestsWithoutBoxHeader).toBe(0);
      expect(logged.join('\n')).not.toContain('contract-password-1');
      expect(logged.join('\n')).not.toMatch(/[0-9a-f]{48}/);
    });

    it('should log in again once and replay when the session expires mid-run', async () => {
      const id = (await runPlan(adapter, 'server.create', null, createInput('expiring'))).nativeId!;
      expect(adapter.session.logins).toBe(1);
      await sim(simulator, 'POST', '/config', { expireSessions: true });
      await Promise.all([dci.servers!.get(id), dci.servers!.list().then(items), dci.ips!.list().then(items)]);
      expect(adapter.session.logins).toBe(2);
      // The session ends between the power command and the wait for its effect.
      const stop = plan('server.stop', id, { force: true });
      const expire = {
        name: 'expire',
        run: async () => {
          await sim(simulator, 'POST', '/config', { expireSessions: true });
          return { status: 'done' as const };
        },
      };
      await runOperationPlan({ ...stop, steps: [stop.steps[0], expire, stop.steps[1]] }, { nativeId: id });
      expect((await dci.servers!.get(id))!.state).toBe(ServerState.Stopped);
      expect(adapter.session.logins).toBe(3);
    });

    it('should take error code 1000 for an ended session whatever the HTTP status', async () => {
      await dci.servers!.list().then(items);
      await sim(simulator, 'POST', '/config', { expireSessions: true, sessionErrorStatus: 403 });
      expect(await dci.servers!.list().then(items)).toHaveLength(3);
      expect(adapter.session.logins).toBe(2);
    });

    it('should refuse wrong credentials and an unknown owner as provider auth problems', async () => {
      const wrong = adapterWith({ password: 'not-the-password' });
      await expect(wrong.probe()).rejects.toBeInstanceOf(ProviderAuthError);
      await expect(wrong.servers.list().then(items)).rejects.toMatchObject({
        code: 'provider_auth_failed',
        retryable: false,
      });
      const stranger = adapterWith({ ownerEmail: 'nobody@sandbox.example' });
      await expect(stranger.probe()).rejects.toThrow(/no user 'nobody@sandbox.example'/);
    });

    it('should work against an instance served without the /api prefix', async () => {
      const bare = adapterWith({ apiPrefix: '' });
      expect(await bare.servers.list().then(items)).toHaveLength(3);
      expect(await requests(/ \/dci\/v3\/server$/)).toBeGreaterThan(0);
    });
  });

  describe('503 wake-up', () => {
    it('should wait for sleeping services, the auth service included', async () => {
      await sim(simulator, 'POST', '/config', { sleep: true, wakeMs: 150 });
      expect(await dci.servers!.list().then(items)).toHaveLength(3);
      expect(await requests(/token$/)).toBeGreaterThan(1);
    });

    it('should retry a power command answered 503, which was not processed', async () => {
      await sim(simulator, 'POST', '/faults', {
        action: 'error',
        status: 503,
        method: 'POST',
        path: '/power_off$',
        count: 2,
      });
      await runPlan(adapter, 'server.stop', '101', { force: true });
      expect((await dci.servers!.get('101'))!.state).toBe(ServerState.Stopped);
      expect(await requests(/^POST .*power_off$/)).toBe(3);
    });
  });

  describe('server lifecycle', () => {
    it('should take a server from stock and install it, hand over the stopped server, and give it back wiped', async () => {
      const before = await freeSmall();
      const created = await runOperationPlan(plan('server.create', null, createInput('lifecycle')));
      expect(created.steps).toEqual([
        'choose-server',
        'assign-owner',
        'ensure-main-ip',
        'wait-main-ip',
        'install-os',
        'wait-installed',
        'power-on',
        'wait-running',
      ]);
      expect(created.progress.length).toBeGreaterThan(0);
      expect(created.providerStatuses).toEqual(
        expect.arrayContaining([expect.stringMatching(/^operation:/)]),
      );
      const id = created.nativeId!;
      expect(await dci.servers!.get(id)).toMatchObject({
        imageId: `dci:${SEED_IDS.debian}`,
        planId: `dci:${SEED_CONFIGURATIONS.small}`,
        locationId: 'dci:1',
      });
      expect(await freeSmall()).toBe(before! - 1);

      const stopped = await runPlan(adapter, 'server.stop', id, { force: true });
      // The fresh server the wait step hands over reaches the core normalized.
      expect(stopped.resource).toMatchObject({
        id: `dci:${id}`,
        name: 'lifecycle',
        state: ServerState.Stopped,
      });
      await runPlan(adapter, 'server.start', id, {});

      // Given back running: powered off, wiped, released to stock.
      const deleted = await runPlan(adapter, 'server.delete', id, {});
      expect(deleted.steps).toEqual(['power-off', 'wait-stopped', 'wipe-disks', 'wait-wiped', 'release']);
      expect(await freeSmall()).toBe(before);
      const stock = simulator.state.servers.get(Number(id))!;
      expect(stock).toMatchObject({ ownerId: null, userNote: '', osTemplateId: null, power: 'off' });
    });

    it('should allocate a main address first where the stock has none, and honour powerOn false', async () => {
      const run = await runPlan(
        adapter,
        'server.create',
        null,
        createInput('south', {
          locationId: String(SEED_IDS.south),
          powerOn: false,
          providerOptions: { password: 'a-good-password' },
        }),
      );
      const server = await dci.servers!.get(run.nativeId!);
      expect(server).toMatchObject({ state: ServerState.Stopped, locationId: 'dci:2' });
      expect(server!.ipAddresses).toEqual([
        { address: expect.stringMatching(/^198\.51\.100\./), version: 4, public: true },
      ]);
    });

    it('should wait, not fail, while every free server is leased to other creates, and take one once freed', async () => {
      const claims = new MemoryClaims();
      const leasing = adapterWith({}, claims);
      const input = createInput('nvme-leased', { planId: SEED_CONFIGURATIONS.nvme });
      const only = (await runPlan(leasing, 'server.create', null, input)).nativeId!;
      await runPlan(leasing, 'server.delete', only, {});
      // Another create holds the only free server: this one waits (it used to fail "the stock is empty").
      expect(await claims.claim(`server:${only}`, 'other-task', 60_000)).toBe(true);
      const waiting = runPlan(leasing, 'server.create', null, input);
      let settled = false;
      void waiting.then(
        () => (settled = true),
        () => (settled = true),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false);
      await claims.release(`server:${only}`, 'other-task');
      expect((await waiting).nativeId).toBe(only);
      await runPlan(leasing, 'server.delete', only, {});
    });

    it('should answer a clear conflict when the stock of a configuration is empty', async () => {
      const input = createInput('nvme', { planId: SEED_CONFIGURATIONS.nvme });
      const only = (await runPlan(adapter, 'server.create', null, input)).nativeId!;
      const failure = runPlan(adapter, 'server.create', null, input);
      await expect(failure).rejects.toBeInstanceOf(ConflictError);
      await expect(failure).rejects.toMatchObject({
        status: 409,
        message: expect.stringMatching(/stock is empty/),
      });
      // Given back, the server can be taken again at once by the same process.
      await runPlan(adapter, 'server.delete', only, {});
      expect((await runPlan(adapter, 'server.create', null, input)).nativeId).toBe(only);
    });

    it('should give two creates running at once two different servers', async () => {
      const [a, b] = await Promise.all([
        runPlan(adapter, 'server.create', null, createInput('twin-a')),
        runPlan(adapter, 'server.create', null, createInput('twin-b')),
      ]);
      expect(a.nativeId).not.toBe(b.nativeId);
      expect((await dci.servers!.list().then(items)).map((s) => s.name)).toEqual(
        expect.arrayContaining(['twin-a', 'twin-b']),
      );
    });

    it('should fail with the operation message and put the server back in stock when the install fails', async () => {
      const before = await freeSmall();
      await sim(simulator, 'POST', '/config', { failOperations: { operation_os: 1 } });
      const failure = runOperationPlan(plan('server.create', null, createInput('doomed')));
      await expect(failure).rejects.toBeInstanceOf(ProviderError);
      await expect(failure).rejects.toMatchObject({
        retryable: false,
        message: expect.stringMatching(/OS installation failed: Stage/),
      });
      expect(await freeSmall()).toBe(before);
    });

    it('should tolerate an operation left on the server as complete', async () => {
      await sim(simulator, 'POST', '/config', { keepFinishedOperation: true });
      const run = await runPlan(adapter, 'server.create', null, createInput('kept-operation'));
      expect((await dci.servers!.get(run.nativeId!))!.state).toBe(ServerState.Running);
    });

    it('should refuse invalid creates before any backend call', async () => {
      await sim(simulator, 'DELETE', '/stats');
      expect(() => plan('server.create', null, createInput('x', { planId: undefined }))).toThrow(
        ValidationError,
      );
      expect(() => plan('server.create', null, createInput('x', { sshPublicKeys: [] }))).toThrow(
        /SSH keys or a password/,
      );
      expect(() => plan('server.create', null, createInput('x', { networkIds: ['1'] }))).toThrow(
        ValidationError,
      );
      expect(await requests(/./)).toBe(0);
    });
  });

  describe('power in the wrong state', () => {
    it('should answer graceful stop with 501 naming force: true, before any backend call', async () => {
      await sim(simulator, 'DELETE', '/stats');
      let error: unknown;
      try {
        plan('server.stop', '101', { force: false });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(UnsupportedOperationError);
      expect(error).toMatchObject({ status: 501, message: expect.stringContaining('"force": true') });
      expect(await requests(/./)).toBe(0);
    });

    it('should treat start on a running and stop on a stopped server as done without a power call', async () => {
      await sim(simulator, 'DELETE', '/stats');
      await runPlan(adapter, 'server.start', '101', {});
      await runPlan(adapter, 'server.stop', '102', { force: true });
      expect(await requests(/^POST .*\/dci\//)).toBe(0);
    });

    it('should answer a conflict with the power status when DCImanager cannot switch the server', async () => {
      const stop = runPlan(adapter, 'server.stop', '103', { force: true });
      await expect(stop).rejects.toMatchObject({
        status: 409,
        extensions: { currentState: 'unknown', expectedStates: ['on'] },
      });
      const reboot = runPlan(adapter, 'server.reboot', '103', {});
      await expect(reboot).rejects.toBeInstanceOf(ConflictError);
      await expect(reboot).rejects.toMatchObject({ upstream: { status: 400, code: '3008' } });
    });

    it('should say no to a server the connection does not own', async () => {
      await expect(
        runPlan(adapter, 'server.start', String(SEED_IDS.othersServer), {}),
      ).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('crash safety', () => {
    const ctx = (state: Record<string, unknown>, nativeId: string | null, resumed: boolean): StepContext => ({
      taskId: 'T00000000000CRASH1',
      nativeId,
      state,
      polls: 0,
      stepStartedAt: Date.now(),
      resumed,
    });

    it('should keep its chosen server and not assign or install twice when steps are resumed', async () => {
      const create = adapter.plans['server.create']!({
        operation: 'server.create',
        target: null,
        taskId: 'T00000000000CRASH1',
        input: createInput('resumed'),
      });
      const state: Record<string, unknown> = {};
      const chose = await create.steps[0].run(ctx(state, null, false));
      const id = chose.nativeId!;
      await create.steps[1].run(ctx(state, id, false)); // the owner was assigned, then the worker died
      const again = await create.steps[1].run(ctx(state, id, true));
      expect(again).toMatchObject({ status: 'done', nativeId: id });
      await create.steps[2].run(ctx(state, id, false));
      await sim(simulator, 'POST', '/config', { paused: true }); // keeps the install running while we look
      await create.steps[4].run(ctx(state, id, false)); // operation_os went out...
      delete state.osOperation; // ...and the worker died before saving its id
      expect(await create.steps[4].run(ctx(state, id, true))).toMatchObject({
        status: 'done',
        providerStatus: 'adopted',
      });
      expect(await requests(/^POST .*\/owner$/)).toBe(1);
      expect(await requests(/^POST .*operation_os$/)).toBe(1);
    });

    it('should adopt the reinstall found running after a crash, and send it again when none runs', async () => {
      const rebuild = plan('server.rebuild', '101', rebuildInput());
      const [install] = rebuild.steps;
      const state: Record<string, unknown> = {};
      await sim(simulator, 'POST', '/config', { paused: true }); // keeps the install running while we look
      expect(await install.run(ctx(state, '101', false))).toMatchObject({ providerStatus: 'accepted' });
      delete state.osOperation; // the worker died before saving the answer
      expect(await install.run(ctx(state, '101', true))).toMatchObject({
        status: 'done',
        providerStatus: 'adopted',
      });
      expect(await requests(/^POST .*operation_os$/)).toBe(1);
      await sim(simulator, 'POST', '/config', { paused: false });
      await runOperationPlan(rebuild, { nativeId: '101', state, resumeAt: 'wait-installed' });

      // Nothing runs: whether the lost call landed cannot be told, and a second install ends as the first.
      expect(await install.run(ctx({}, '101', true))).toMatchObject({ providerStatus: 'accepted' });
      expect(await requests(/^POST .*operation_os$/)).toBe(2);
    });
  });

  describe('rebuild: operation_os on the server as it is (docs/providers/dcimanager.md#rebuild)', () => {
    it('should reinstall in place with the keys and password in operation_os, never in step state or logs', async () => {
      const before = (await dci.servers!.get('101'))!;
      const password = 'rebuild-password-77';
      const run = await runPlan(
        adapter,
        'server.rebuild',
        '101',
        rebuildInput({ providerOptions: { password, hddRaid: 'raid_1' } }),
      );
      expect(run.steps).toEqual(['install-os', 'wait-installed', 'power-on', 'wait-running']);
      expect(run.providerStatuses).toEqual(expect.arrayContaining([expect.stringMatching(/^operation:/)]));
      const after = (await dci.servers!.get('101'))!;
      expect(after).toMatchObject({
        id: before.id,
        name: 'web-1',
        state: ServerState.Running,
        imageId: `dci:${SEED_IDS.rocky}`,
        planId: before.planId,
        ipAddresses: before.ipAddresses,
      });
      expect(simulator.state.servers.get(101)!.installedKeys).toEqual([SSH_KEY]);
      const kept = JSON.stringify({ state: run.state, statuses: run.providerStatuses, logged });
      expect(kept).not.toContain(password);
    });

    it('should wait for the install itself when the image is the one already installed', async () => {
      // Before the call the server already shows the template: only the operation seen running ends the wait.
      const run = await runPlan(
        adapter,
        'server.rebuild',
        '101',
        rebuildInput({ imageId: String(SEED_IDS.debian) }),
      );
      expect(run.providerStatuses).toEqual(expect.arrayContaining([expect.stringMatching(/^operation:/)]));
      expect(run.state).toMatchObject({ osOperationSeen: true });
      expect(await requests(/^POST .*operation_os$/)).toBe(1);
    });

    it('should end with the server running when the install leaves it off', async () => {
      // Whether DCImanager powers a server on after an install is not documented: the plan makes sure.
      const run = await runPlan(adapter, 'server.rebuild', '102', rebuildInput(), { resumeAt: 'power-on' });
      expect(run.steps).toEqual(['power-on', 'wait-running']);
      expect((await dci.servers!.get('102'))!.state).toBe(ServerState.Running);
    });

    it('should refuse before any backend call what an install cannot take', async () => {
      await sim(simulator, 'DELETE', '/stats');
      expect(() => plan('server.rebuild', '101', rebuildInput({ sshPublicKeys: [] }))).toThrow(
        /SSH keys or a password/,
      );
      expect(() => plan('server.rebuild', '101', rebuildInput({ imageId: 'debian' }))).toThrow(
        ValidationError,
      );
      // The core answers 501 for these first (features); the planner never drops them silently.
      expect(() => plan('server.rebuild', '101', rebuildInput({ userData: '#cloud-config' }))).toThrow(
        UnsupportedOperationError,
      );
      expect(() => plan('server.rebuild', '101', rebuildInput({ sshKeyIds: ['1'] }))).toThrow(
        UnsupportedOperationError,
      );
      expect(() => plan('server.create', null, createInput('x', { userData: '#!/bin/sh' }))).toThrow(
        UnsupportedOperationError,
      );
      expect(await requests(/./)).toBe(0);
    });

    it('should answer a conflict for a server without a main IPv4 address to install from', async () => {
      simulator.state.servers.get(101)!.mainIpv4 = null;
      const rebuild = runPlan(adapter, 'server.rebuild', '101', rebuildInput());
      await expect(rebuild).rejects.toBeInstanceOf(ConflictError);
      await expect(rebuild).rejects.toMatchObject({ message: expect.stringContaining('main IPv4') });
      expect(await requests(/^POST .*operation_os$/)).toBe(0);
    });

    it('should pass on DCImanager’s refusal to install a suspended server', async () => {
      // The gateway's allowedActions refuse a suspended server first; this is the backend's own answer.
      simulator.state.servers.get(101)!.state = 'suspended';
      await expect(runPlan(adapter, 'server.rebuild', '101', rebuildInput())).rejects.toMatchObject({
        status: 400,
        upstream: { status: 400, code: '3003' },
      });
    });

    it('should declare SSH keys as text only, and no labels, user-data, key objects or resizes', async () => {
      expect(adapter.features).toEqual({
        sshPublicKeys: true,
        nativeLabels: [],
        reasons: {
          labels: expect.stringContaining('gateway keeps'),
          userData: expect.stringContaining('operation_os'),
          sshKeyIds: expect.stringContaining('no SSH key objects'),
        },
      });
      expect((adapter as ProviderAdapter).sshKeys).toBeUndefined();
      for (const operation of [
        'server.resize',
        'volume.resize',
        'sshKey.create',
        'sshKey.delete',
        'server.relabel',
        'ip.relabel',
      ] as const) {
        expect(dci.can(operation)).toBe(false);
        expect(adapter.unsupportedReasons[operation]).toEqual(expect.any(String));
      }
      expect(dci.labelStorage('server')).toBe('gateway');
      expect((await dci.servers!.get('101'))!.labels).toEqual({});
      expect((await dci.ips!.list().then(items)).every((ip) => Object.keys(ip.labels).length === 0)).toBe(
        true,
      );
    });
  });

  describe('IP addresses, networks and volumes', () => {
    it('should allocate an address of the family asked for, on the network of the server', async () => {
      const run = await runPlan(adapter, 'ip.allocate', null, {
        serverId: '102',
        labels: {},
        providerOptions: { family: 'ipv4' },
      });
      expect(run.steps).toEqual(['prepare', 'allocate', 'wait-allocated']);
      expect(await dci.ips!.get(run.nativeId!)).toMatchObject({ version: 4, networkId: 'dci:1' });
    });

    it('should release with DELETE where the instance refuses POST', async () => {
      await sim(simulator, 'POST', '/config', { ipReleaseMethods: ['DELETE'] });
      await runPlan(adapter, 'ip.release', '101-510', {});
      expect(await dci.ips!.get('101-510')).toBeNull();
      expect(await requests(/^DELETE .*ip\/:ipId$/)).toBe(1);
    });

    it('should allocate a chosen address and report an allocation failure', async () => {
      const chosen = await runPlan(adapter, 'ip.allocate', null, {
        serverId: '101',
        labels: {},
        providerOptions: { address: '203.0.113.77' },
      });
      expect((await dci.ips!.get(chosen.nativeId!))!.address).toBe('203.0.113.77');
      await sim(simulator, 'POST', '/config', { failOperations: { ip_allocate: 1 } });
      await expect(
        runPlan(adapter, 'ip.allocate', null, { serverId: '101', labels: {}, providerOptions: {} }),
      ).rejects.toMatchObject({
        code: 'provider_error',
        message: expect.stringContaining('allocation_fail'),
      });
    });

    it('should need a server for an address, and offer no volume or network changes', () => {
      expect(() => plan('ip.allocate', null, { labels: {}, providerOptions: {} })).toThrow(ValidationError);
      for (const operation of [
        'volume.create',
        'volume.attach',
        'volume.detach',
        'volume.delete',
        'network.create',
        'network.delete',
        'ip.attach',
        'ip.detach',
      ] as const) {
        expect(dci.can(operation)).toBe(false);
        expect(adapter.unsupportedReasons[operation]).toEqual(expect.any(String));
      }
    });
  });
});
