// Backend quirks only; the normalized behaviour every kind shares is the port conformance suite's (test/conformance).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConflictError,
  GatewayError,
  ProviderAuthError,
  ProviderError,
  ProviderTimeoutError,
  ProviderUnavailableError,
  ValidationError,
} from '../../src/common/errors/gateway-error';
import { parseCloudmcError } from '../../src/providers/cloudmc/client/errors';
import { CloudmcClient } from '../../src/providers/cloudmc/client/http.client';
import { cloudmcKind } from '../../src/providers/cloudmc/cloudmc.kind';
import { UpstreamClient } from '../../src/providers/kit/http/upstream-client';
import type { ProviderAdapter } from '../../src/providers/ports/provider-adapter';
import type { Connection } from '../../src/providers/registry/connection';
import { cloudmcSimulator } from '../../sandbox/simulators/cloudmc/cloudmc.simulator';
import type { SimulatorHandle } from '../../sandbox/simulators/common/simulator';
import { sim } from '../support/gateway';
import { normalized, runPlan, TEST_TUNING, testDeps } from '../support/plan-runner';
import { items } from '../support/listed';

describe('CloudMC adapter against the CloudMC simulator (contract, real HTTP)', () => {
  let simulator: SimulatorHandle;
  let adapter: ProviderAdapter;
  /** The adapter as clients see it: gateway ids, stamped fields, names without the task marker. */
  let gateway: Connection;
  let unknownStates: string[];
  let imageId: string;
  let planId: string;

  const adapterWith = (overrides: Record<string, unknown> = {}) =>
    cloudmcKind.create(
      {
        name: 'cm',
        kind: 'cloudmc',
        ...simulator.connection,
        ...TEST_TUNING,
        purgeOnDelete: true,
        ...overrides,
      },
      testDeps(unknownStates),
    );

  const createServer = async (name: string, powerOn = true) => {
    const run = await runPlan(adapter, 'server.create', null, {
      name,
      imageId,
      planId,
      powerOn,
      providerOptions: {},
    });
    return run.nativeId!;
  };

  beforeAll(async () => {
    simulator = await cloudmcSimulator.start({
      speed: 100,
      dataDir: mkdtempSync(join(tmpdir(), 'cloudmux-contract-cm-')),
    });
  });

  beforeEach(async () => {
    await sim(simulator, 'POST', '/reset');
    unknownStates = [];
    adapter = adapterWith();
    gateway = normalized(adapter);
    imageId = (await adapter.catalog!.images!())[0].nativeId;
    planId = (await adapter.catalog!.plans!()).find((p) => !p.custom)!.nativeId;
  });

  afterAll(() => simulator.stop());

  describe('reads', () => {
    it('should keep the raw state, show the root volume as a bootable volume of its instance, and mark the source-NAT address', async () => {
      const [servers, volumes, ips] = await Promise.all([
        gateway.servers!.list().then(items),
        gateway.volumes!.list().then(items),
        gateway.ips!.list().then(items),
      ]);
      expect(servers[0].providerState).toEqual(expect.any(String));
      expect(volumes.some((v) => v.bootable && v.serverId === servers[0].id)).toBe(true);
      expect(servers[0].volumeIds.length).toBeGreaterThan(0);
      expect(ips.some((ip) => ip.extra.sourceNat === true)).toBe(true);
    });

    it('should read the catalog: templates, offerings with a custom one, zones', async () => {
      const [images, plans, locations] = await Promise.all([
        adapter.catalog!.images!(),
        adapter.catalog!.plans!(),
        adapter.catalog!.locations!(),
      ]);
      expect(images.length).toBeGreaterThan(0);
      expect(plans.some((p) => p.custom)).toBe(true);
      expect(locations.length).toBeGreaterThan(0);
    });

    it('should refuse wrong credentials as a provider auth problem', async () => {
      const bad = adapterWith({ apiKey: 'wrong-key-000000' });
      await expect(bad.probe()).rejects.toBeInstanceOf(ProviderAuthError);
      await expect(bad.servers!.list().then(items)).rejects.toMatchObject({
        code: 'provider_auth_failed',
        retryable: false,
        upstream: { status: 401 },
      });
    });
  });

  describe('server lifecycle', () => {
    it('should create an instance through its CloudMC task, on the template and offering asked for', async () => {
      const create = await runPlan(adapter, 'server.create', null, {
        name: 'contract-1',
        imageId,
        planId,
        powerOn: true,
        providerOptions: {},
      });
      expect(create.steps).toEqual(['prepare', 'create-instance', 'wait-create-task', 'wait-running']);
      expect(create.providerStatuses).toContain('SUCCESS');
      expect(await gateway.servers!.get(create.nativeId!)).toMatchObject({
        imageId: `cm:${imageId}`,
        planId: `cm:${planId}`,
      });
    });

    it('should create a server with cpuCores and memoryMb on the custom offering', async () => {
      const custom = (await adapter.catalog!.plans!()).find((p) => p.custom)!;
      const cpu = (custom.extra.availableCpuCountValues as number[])[1];
      const memory = (custom.extra.availableMemoryInMBValues as number[])[1];
      const run = await runPlan(adapter, 'server.create', null, {
        name: 'sized',
        imageId,
        cpuCores: cpu,
        memoryMb: memory,
        powerOn: true,
        providerOptions: {},
      });
      expect(await gateway.servers!.get(run.nativeId!)).toMatchObject({ cpuCores: cpu, memoryMb: memory });
    });

    it('should treat start on a running instance as done without calling CloudMC', async () => {
      const id = await createServer('already-running');
      await sim(simulator, 'DELETE', '/stats');
      const run = await runPlan(adapter, 'server.start', id, {});
      expect(run.providerStatuses).not.toContain('PENDING');
      const stats = (await sim(simulator, 'GET', '/stats')) as { requests: Record<string, number> };
      expect(Object.keys(stats.requests).some((k) => k.startsWith('POST'))).toBe(false);
    });

    it('should stop a server created with powerOn false', async () => {
      const id = await createServer('cold', false);
      expect((await gateway.servers!.get(id))!.state).toBe('stopped');
    });
  });

  describe('CloudMC tasks', () => {
    it('should reconcile a start from the instance when CloudMC has forgotten the task (404)', async () => {
      const id = await createServer('forgetful');
      await runPlan(adapter, 'server.stop', id, { force: true });
      await sim(simulator, 'POST', '/config', { taskTtlMs: 1 });
      const run = await runPlan(adapter, 'server.start', id, {});
      expect(run.providerStatuses).toContain('EXPIRED');
      expect((await gateway.servers!.get(id))!.state).toBe('running');
    });

    it('should adopt the created instance when the create task has expired', async () => {
      await sim(simulator, 'POST', '/config', { taskTtlMs: 1 });
      const run = await runPlan(adapter, 'server.create', null, {
        name: 'adopted',
        imageId,
        planId,
        powerOn: true,
        providerOptions: {},
      });
      expect(run.providerStatuses).toContain('EXPIRED');
      expect(await gateway.servers!.get(run.nativeId!)).toMatchObject({ name: 'adopted', state: 'running' });
    });

    it('should adopt its own instance by its marker, not an older namesake, when the create step is resumed', async () => {
      const older = await createServer('resumed'); // a namesake from before: never to be taken for this create
      const plan = adapter.plans['server.create']!({
        operation: 'server.create',
        target: null,
        taskId: '01JRESUMEDCREATETASK000001',
        input: { name: 'resumed', imageId, planId, powerOn: true, providerOptions: {} },
      });
      const state: Record<string, unknown> = {};
      const ctx = (resumed: boolean) => ({
        taskId: '01JRESUMEDCREATETASK000001',
        nativeId: null,
        state,
        polls: 0,
        stepStartedAt: Date.now(),
        resumed,
      });
      await plan.steps[0].run(ctx(false)); // prepare
      await plan.steps[1].run(ctx(false)); // POST /instances went out...
      delete state.cmTask; // ...and the worker died before the task id was saved
      const resumed = await plan.steps[1].run(ctx(true));
      const adopted = resumed.status === 'done' ? resumed.nativeId : undefined;
      expect(adopted).toEqual(expect.any(String));
      expect(adopted).not.toBe(older);
    });

    it('should tell two same-named creates apart by their markers when both tasks are forgotten', async () => {
      await sim(simulator, 'POST', '/config', { taskTtlMs: 1 });
      const input = { name: 'twin', imageId, planId, powerOn: true, providerOptions: {} };
      const [a, b] = await Promise.all([
        runPlan(adapter, 'server.create', null, input),
        runPlan(adapter, 'server.create', null, input),
      ]);
      expect(a.providerStatuses).toContain('EXPIRED');
      expect(a.nativeId).not.toBe(b.nativeId);
      const twins = (await gateway.servers!.list().then(items)).filter((s) => s.name === 'twin');
      expect(twins.map((s) => s.nativeId).sort()).toEqual([a.nativeId, b.nativeId].sort());
    });

    it('should fail with the task message when CloudMC reports FAILED', async () => {
      const id = await createServer('doomed');
      await runPlan(adapter, 'server.stop', id, { force: true });
      await sim(simulator, 'POST', '/config', { failOperations: { 'instances.start': 1 } });
      const failure = runPlan(adapter, 'server.start', id, {});
      await expect(failure).rejects.toBeInstanceOf(ProviderError);
      await expect(failure).rejects.toMatchObject({
        retryable: false,
        message: expect.stringContaining('task failed'),
      });
    });

    it.each(['A', 'B'])('should read task shape %s', async (shape) => {
      await sim(simulator, 'POST', '/config', { taskShape: shape });
      const id = await createServer(`shape-${shape}`);
      expect((await gateway.servers!.get(id))!.state).toBe('running');
    });
  });

  describe('errors', () => {
    const rawClient = () =>
      new CloudmcClient(
        new UpstreamClient({
          connection: 'cm',
          kind: 'cloudmc',
          baseUrl: String(simulator.connection.endpoint),
          tuning: TEST_TUNING,
          parseError: parseCloudmcError,
          defaultHeaders: {
            'MC-Api-Key': String(simulator.connection.apiKey),
            'Content-Type': 'application/json',
          },
        }),
        {
          serviceCode: String(simulator.connection.serviceCode),
          environment: String(simulator.connection.environment),
        },
      );

    it('should map a wrong-state 400 to a conflict with the current and expected states', async () => {
      const id = await createServer('wrong-state');
      await runPlan(adapter, 'server.stop', id, { force: true });
      const error = await rawClient()
        .mutate('POST', 'instances', { id, operation: 'stop' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConflictError);
      expect(error).toMatchObject({
        upstream: { status: 400, code: '2012' },
        extensions: { currentState: 'Stopped', expectedStates: expect.arrayContaining(['Running']) },
      });
    });

    it('should keep every error of an answer that lists several, with the fields they name', async () => {
      const error = (await rawClient()
        .mutate('POST', 'instances', { body: { name: 'incomplete' } })
        .catch((e: unknown) => e)) as GatewayError;
      expect(error).toMatchObject({ code: 'validation_failed', status: 400 });
      expect(error.upstream).toEqual({
        status: 400,
        code: '2002',
        message: 'The field templateId is required',
        errors: ['templateId', 'computeOfferingId', 'networkId'].map((field) => ({
          code: '2002',
          message: `The field ${field} is required`,
          field,
        })),
      });
    });

    it('should report an operation CloudMC does not support as unsupported_operation, never as gone', async () => {
      const id = (await gateway.servers!.list().then(items))[0].nativeId;
      const client = rawClient();
      const expected = {
        code: 'unsupported_operation',
        status: 501,
        retryable: false,
        upstream: { status: 405 },
      };
      await expect(
        client.mutate('POST', 'instances', {
          id,
          operation: 'changeComputeOffering',
          body: { computeOfferingId: planId },
        }),
      ).rejects.toMatchObject(expected);
      await expect(client.mutate('POST', 'vpcs', { body: { name: 'v' } })).rejects.toMatchObject(expected);
      // A collection the backend does not serve must not read as "no such resource" (get() answers null for that).
      await expect(
        client.get('portforwardingrules', 'ad5bcae8-ee8b-4ee8-a7a4-381c25444b8e'),
      ).rejects.toMatchObject(expected);
    });

    it('should read the errorCode form as well as the numeric code', async () => {
      await sim(simulator, 'POST', '/config', { errorKey: 'errorCode' });
      const id = await createServer('error-code');
      await runPlan(adapter, 'server.stop', id, { force: true });
      const error = (await rawClient()
        .mutate('POST', 'instances', { id, operation: 'stop' })
        .catch((e: unknown) => e)) as GatewayError;
      expect(error.upstream?.code).toEqual(expect.any(String));
      expect(error.upstream?.message).toEqual(expect.any(String));
    });

    it('should not read an error body larger than 64 KiB: the status alone decides', async () => {
      const entry = { code: 2012, message: 'x'.repeat(70_000), context: { currentState: 'Running' } };
      await sim(simulator, 'POST', '/faults', {
        action: 'body',
        status: 400,
        method: 'POST',
        path: '/instances/any-id$',
        count: 1,
        body: { errors: [entry] },
      });
      const error = await rawClient()
        .mutate('POST', 'instances', { id: 'any-id', operation: 'stop' })
        .catch((e: unknown) => e);
      // Read, the entry's context would have made it a conflict; unread, the 400 makes it a validation error.
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ upstream: { status: 400, code: null, message: null } });
    });

    it('should retry a read once after a 500 and succeed', async () => {
      await sim(simulator, 'POST', '/faults', {
        action: 'error',
        status: 500,
        method: 'GET',
        path: '/instances$',
        count: 1,
      });
      await expect(gateway.servers!.list().then(items)).resolves.toEqual(expect.any(Array));
    });

    it('should report persistent 5xx as a retryable provider error, then open the circuit', async () => {
      await sim(simulator, 'POST', '/faults', {
        action: 'error',
        status: 500,
        method: 'GET',
        path: '/zones$',
      });
      await expect(adapter.probe()).rejects.toMatchObject({
        code: 'provider_error',
        retryable: true,
        upstream: { status: 500 },
      });
      for (let i = 0; i < 3; i++) await adapter.probe().catch(() => undefined);
      const open = await adapter.probe().catch((e: unknown) => e);
      expect(open).toBeInstanceOf(ProviderUnavailableError);
      expect((open as GatewayError).message).toMatch(/paused after repeated failures/);
    });

    it('should not repeat a create that failed with 500 (its fate is unknown)', async () => {
      await sim(simulator, 'POST', '/faults', {
        action: 'error',
        status: 500,
        method: 'POST',
        path: '/instances$',
        count: 1,
      });
      await expect(
        runPlan(adapter, 'server.create', null, {
          name: 'once',
          imageId,
          planId,
          powerOn: true,
          providerOptions: {},
        }),
      ).rejects.toMatchObject({ code: 'provider_error' });
      const stats = (await sim(simulator, 'GET', '/stats')) as { requests: Record<string, number> };
      const posts = Object.entries(stats.requests).filter(([k]) => k.startsWith('POST'));
      expect(posts.reduce((sum, [, n]) => sum + n, 0)).toBe(1);
    });

    it('should retry a mutation answered 503 with Retry-After (not processed)', async () => {
      const id = await createServer('busy-backend');
      await sim(simulator, 'POST', '/faults', {
        action: 'error',
        status: 503,
        retryAfter: 0,
        method: 'POST',
        path: '/instances/[^/]+$',
        count: 1,
      });
      await runPlan(adapter, 'server.stop', id, { force: true });
      expect((await gateway.servers!.get(id))!.state).toBe('stopped');
    });

    it('should time out a call the backend never answers', async () => {
      const slow = adapterWith({ timeoutMs: 300, retries: 0 });
      await sim(simulator, 'POST', '/faults', {
        action: 'timeout',
        method: 'GET',
        path: '/zones$',
        count: 1,
      });
      await expect(slow.probe()).rejects.toBeInstanceOf(ProviderTimeoutError);
    });

    it('should report a malformed body as a provider error', async () => {
      const fragile = adapterWith({ retries: 0 });
      await sim(simulator, 'POST', '/faults', {
        action: 'malformed',
        method: 'GET',
        path: '/zones$',
        count: 1,
      });
      await expect(fragile.probe()).rejects.toMatchObject({ code: 'provider_error' });
    });

    it('should report a reset connection as provider unavailable', async () => {
      const fragile = adapterWith({ retries: 0 });
      await sim(simulator, 'POST', '/faults', { action: 'reset', method: 'GET', path: '/zones$', count: 1 });
      await expect(fragile.probe()).rejects.toMatchObject({ code: 'provider_unavailable' });
    });
  });

  describe('odd answers (the backend is untrusted input)', () => {
    type Wire = Record<string, unknown>;
    /** What the simulator really answers, read past the adapter: the base of the odd answers below. */
    const backend = async (entity: string): Promise<Wire[]> => {
      const { endpoint, apiKey, serviceCode, environment } = simulator.connection as Record<string, string>;
      const response = await fetch(`${endpoint}/services/${serviceCode}/${environment}/${entity}`, {
        headers: { 'MC-Api-Key': apiKey },
      });
      return ((await response.json()) as { data: Wire[] }).data;
    };
    const answerOnce = (path: string, body: unknown) =>
      sim(simulator, 'POST', '/faults', { action: 'body', method: 'GET', path, count: 1, body });
    const without = (object: Wire, field: string) =>
      Object.fromEntries(Object.entries(object).filter(([key]) => key !== field));

    it('should list the other servers when an answer holds null, a nameless item or wrong types', async () => {
      const real = await backend('instances');
      const [first] = real;
      await answerOnce('/instances$', {
        data: [
          null,
          { ...without(first, 'name'), id: 'no-name' },
          { ...first, id: 'bad-nics', nics: 'x' },
          { ...first, id: 'bad-ips', publicIps: 7 },
          ...real,
        ],
      });
      const { items: servers, skipped } = await gateway.servers!.list();
      expect(servers.map((s) => s.nativeId)).toEqual(real.map((r) => r.id));
      expect(skipped).toEqual([
        { nativeId: null, reason: expect.stringContaining('not a CloudMC instance') },
        { nativeId: 'no-name', reason: expect.stringContaining('/name') },
        { nativeId: 'bad-nics', reason: expect.stringContaining('/nics') },
        { nativeId: 'bad-ips', reason: expect.stringContaining('/publicIps') },
      ]);
    });

    it('should keep a server whose volume or public IP is malformed (only that entry goes missing)', async () => {
      const { items: before } = await gateway.servers!.list();
      const [volumes, ips] = await Promise.all([backend('volumes'), backend('publicipaddresses')]);
      const server = before[0];
      await answerOnce('/volumes$', {
        data: [null, { id: 'v-bad', instanceId: server.nativeId, sizeInGb: 'lots' }, ...volumes],
      });
      await answerOnce('/publicipaddresses$', {
        data: [7, { id: 'ip-bad', ipAddress: 5, instances: [{ id: server.nativeId }] }, ...ips],
      });
      const after = await gateway.servers!.list();
      expect(after.skipped).toEqual([]);
      expect(after.items).toEqual(before.map((s) => ({ ...s, stateObservedAt: expect.any(String) })));
    });

    it('should answer 502 provider_error for a single read of a malformed item', async () => {
      const [instance] = await backend('instances');
      const id = String(instance.id);
      const single = `/instances/${id}$`;
      for (const data of [
        { ...instance, nics: 'x' },
        { ...instance, publicIps: 7 },
        without(instance, 'name'),
      ]) {
        await answerOnce(single, { data });
        await expect(gateway.servers!.get(id)).rejects.toMatchObject({
          status: 502,
          code: 'provider_error',
          retryable: false,
        });
      }
      await answerOnce(single, { data: null });
      await expect(gateway.servers!.get(id)).rejects.toMatchObject({ status: 502, code: 'provider_error' });
      const [volume] = await backend('volumes');
      await answerOnce(`/volumes/${String(volume.id)}$`, { data: { ...volume, name: 5 } });
      await expect(gateway.volumes!.get(String(volume.id))).rejects.toMatchObject({
        status: 502,
        message: expect.stringContaining('/name'),
      });
      // The same read, answered well, maps.
      expect(await gateway.servers!.get(id)).toMatchObject({ nativeId: id });
    });

    it('should clean names with NUL bytes and invalid UTF-8 in lists and single reads', async () => {
      const real = await backend('instances');
      const [first] = real;
      // The name's bytes: "db", NUL (JSON-escaped), 0xff 0xfe (invalid UTF-8), "-2".
      const json = (data: unknown) =>
        JSON.stringify({ data }).replace('"@NAME@"', '"db\\u0000\u00ff\u00fe-2"');
      const raw = (data: unknown) => Buffer.from(json(data), 'latin1').toString('base64');
      await sim(simulator, 'POST', '/faults', {
        action: 'body',
        method: 'GET',
        path: '/instances$',
        count: 1,
        bodyBase64: raw([{ ...first, name: '@NAME@' }, ...real.slice(1)]),
      });
      const { items: servers } = await gateway.servers!.list();
      expect(servers[0]).toMatchObject({ nativeId: first.id, name: 'db-2' });
      await sim(simulator, 'POST', '/faults', {
        action: 'body',
        method: 'GET',
        path: `/instances/${String(first.id)}$`,
        count: 1,
        bodyBase64: raw({ ...first, name: '@NAME@' }),
      });
      expect((await gateway.servers!.get(String(first.id)))!.name).toBe('db-2');
    });

    it('should map at most maxListItems items of an answer, and say so', async () => {
      const small = adapterWith({ maxListItems: 1 });
      const [volume] = await backend('volumes');
      await answerOnce('/volumes$', { data: [volume, { ...volume, id: 'v-2' }, { ...volume, id: 'v-3' }] });
      const { items: listed, skipped } = await small.volumes!.list();
      expect(listed.map((v) => v.nativeId)).toEqual([volume.id]);
      expect(skipped).toEqual([
        { nativeId: null, reason: expect.stringContaining('answered 3 CloudMC volume items; the first 1') },
      ]);
    });
  });

  describe('volumes, networks and public IPs', () => {
    it('should create a data volume attached to its instance, and refuse to delete it while attached', async () => {
      const server = await createServer('with-disk');
      const created = await runPlan(adapter, 'volume.create', null, {
        name: 'data-1',
        sizeGb: 20,
        serverId: server,
        providerOptions: {},
      });
      const id = created.nativeId!;
      expect(await gateway.volumes!.get(id)).toMatchObject({
        state: 'in-use',
        serverId: `cm:${server}`,
        sizeGb: 20,
        bootable: false,
      });
      await expect(runPlan(adapter, 'volume.delete', id, {})).rejects.toBeInstanceOf(ConflictError);
    });

    it('should give an isolated network the first address of its CIDR as gateway', async () => {
      const run = await runPlan(adapter, 'network.create', null, {
        name: 'net-1',
        cidr: '10.9.8.0/24',
        providerOptions: {},
      });
      expect(await gateway.networks!.get(run.nativeId!)).toMatchObject({ gateway: '10.9.8.1' });
    });

    it('should static-NAT a public IP to the server its allocation names', async () => {
      const server = await createServer('nat-target');
      const run = await runPlan(adapter, 'ip.allocate', null, { serverId: server, providerOptions: {} });
      expect(await gateway.ips!.get(run.nativeId!)).toMatchObject({
        state: 'attached',
        serverId: `cm:${server}`,
      });
    });

    it("should refuse to release or attach the VPC's source-NAT address, without asking CloudMC to", async () => {
      const other = (await runPlan(adapter, 'ip.allocate', null, { providerOptions: {} })).nativeId;
      const ips = await gateway.ips!.list().then(items);
      const sourceNat = ips.filter((ip) => ip.extra.sourceNat === true);
      expect(sourceNat).toEqual([expect.objectContaining({ address: '203.0.113.2', serverId: null })]);
      // Every address says which it is (a boolean), so the allowed actions never guess from an absence.
      expect(ips.find((ip) => ip.nativeId === other)!.extra.sourceNat).toBe(false);
      const server = (await gateway.servers!.list().then(items))[0].nativeId;
      await sim(simulator, 'DELETE', '/stats');
      await expect(runPlan(adapter, 'ip.release', sourceNat[0].nativeId, {})).rejects.toBeInstanceOf(
        ConflictError,
      );
      await expect(
        runPlan(adapter, 'ip.attach', sourceNat[0].nativeId, { serverId: server }),
      ).rejects.toBeInstanceOf(ConflictError);
      const stats = (await sim(simulator, 'GET', '/stats')) as { requests: Record<string, number> };
      expect(Object.keys(stats.requests).filter((k) => !k.startsWith('GET'))).toEqual([]);
    });
  });
});
