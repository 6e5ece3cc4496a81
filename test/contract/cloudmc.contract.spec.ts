// Backend quirks only; the normalized behaviour every kind shares is the port conformance suite's (test/conformance).
import { createHash, generateKeyPairSync } from 'node:crypto';
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
import type { ServerResizeInput } from '../../src/providers/ports/operations';
import type { ProviderAdapter } from '../../src/providers/ports/provider-adapter';
import type { Connection } from '../../src/providers/registry/connection';
import {
  type CloudmcSimulatorHandle,
  cloudmcSimulator,
} from '../../sandbox/simulators/cloudmc/cloudmc.simulator';
import { SEED_IDS, SEED_SSH_KEY } from '../../sandbox/simulators/cloudmc/cloudmc-sim.seed';
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

  /** GETs of single CloudMC tasks since the simulator's request log was cleared. */
  const taskPolls = async () =>
    ((await sim(simulator, 'GET', '/stats')) as { requests: Record<string, number> }).requests[
      'GET /api/v2/tasks/:id'
    ] ?? 0;

  const createServer = async (name: string, powerOn = true) => {
    const run = await runPlan(adapter, 'server.create', null, {
      name,
      imageId,
      planId,
      powerOn,
      labels: {},
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
    it('should create an instance, found by its marker in the instance list without polling its task, on the template and offering asked for', async () => {
      await sim(simulator, 'DELETE', '/stats');
      const create = await runPlan(adapter, 'server.create', null, {
        name: 'contract-1',
        imageId,
        planId,
        powerOn: true,
        labels: {},
        providerOptions: {},
      });
      expect(create.steps).toEqual(['prepare', 'create-instance', 'wait-running']);
      expect(create.providerStatuses).toContain('Running');
      expect(await taskPolls()).toBe(0);
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
        labels: {},
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
    it('should see a start end in the instance list, without its task, even one CloudMC has forgotten (404)', async () => {
      const id = await createServer('forgetful');
      await runPlan(adapter, 'server.stop', id, { force: true });
      await sim(simulator, 'POST', '/config', { taskTtlMs: 1 });
      await sim(simulator, 'DELETE', '/stats');
      const run = await runPlan(adapter, 'server.start', id, {});
      expect(run.steps).toEqual(['start', 'wait-running']);
      expect(run.providerStatuses).toContain('Running');
      expect(await taskPolls()).toBe(0);
      expect((await gateway.servers!.get(id))!.state).toBe('running');
    });

    it('should find the created instance by its marker whatever became of its task (forgotten here)', async () => {
      await sim(simulator, 'POST', '/config', { taskTtlMs: 1 });
      const run = await runPlan(adapter, 'server.create', null, {
        name: 'adopted',
        imageId,
        planId,
        powerOn: true,
        labels: {},
        providerOptions: {},
      });
      expect(await gateway.servers!.get(run.nativeId!)).toMatchObject({ name: 'adopted', state: 'running' });
    });

    it("should read a create's task once its instance is not listed, and fail with CloudMC's message", async () => {
      await sim(simulator, 'POST', '/config', { failOperations: { 'instances.create': 1 } });
      const failure = runPlan(adapter, 'server.create', null, {
        name: 'refused',
        imageId,
        planId,
        powerOn: true,
        labels: {},
        providerOptions: {},
      });
      await expect(failure).rejects.toMatchObject({
        code: 'provider_error',
        retryable: false,
        message: expect.stringContaining('task failed: Operation instances.create failed'),
      });
    });

    it('should fail a create whose instance is nowhere and whose task CloudMC has forgotten', async () => {
      await sim(simulator, 'POST', '/config', { taskTtlMs: 1, failOperations: { 'instances.create': 1 } });
      await expect(
        runPlan(adapter, 'server.create', null, {
          name: 'vanished',
          imageId,
          planId,
          powerOn: true,
          labels: {},
          providerOptions: {},
        }),
      ).rejects.toMatchObject({
        message: expect.stringContaining('forgot the task and the resource shows no trace'),
      });
    });

    it('should adopt its own instance by its marker, not an older namesake, when the create step is resumed', async () => {
      const older = await createServer('resumed'); // a namesake from before: never to be taken for this create
      const plan = adapter.plans['server.create']!({
        operation: 'server.create',
        target: null,
        taskId: '01JRESUMEDCREATETASK000001',
        input: { name: 'resumed', imageId, planId, powerOn: true, labels: {}, providerOptions: {} },
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
      const input = { name: 'twin', imageId, planId, powerOn: true, labels: {}, providerOptions: {} };
      const [a, b] = await Promise.all([
        runPlan(adapter, 'server.create', null, input),
        runPlan(adapter, 'server.create', null, input),
      ]);
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
          operation: 'changeNetwork',
          body: { networkId: 'net' },
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
          labels: {},
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
        labels: {},
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
        labels: {},
        providerOptions: {},
      });
      expect(await gateway.networks!.get(run.nativeId!)).toMatchObject({ gateway: '10.9.8.1' });
    });

    it('should static-NAT a public IP to the server its allocation names', async () => {
      const server = await createServer('nat-target');
      const run = await runPlan(adapter, 'ip.allocate', null, {
        serverId: server,
        labels: {},
        providerOptions: {},
      });
      expect(await gateway.ips!.get(run.nativeId!)).toMatchObject({
        state: 'attached',
        serverId: `cm:${server}`,
      });
    });

    it("should refuse to release or attach the VPC's source-NAT address, without asking CloudMC to", async () => {
      const other = (await runPlan(adapter, 'ip.allocate', null, { labels: {}, providerOptions: {} }))
        .nativeId;
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
  describe('labels, user data, SSH keys, resize and rebuild (CloudMC specifics)', () => {
    const state = () => (simulator as CloudmcSimulatorHandle).state;
    const posts = async () => {
      const stats = (await sim(simulator, 'GET', '/stats')) as { requests: Record<string, number> };
      return Object.keys(stats.requests).filter((k) => !k.startsWith('GET'));
    };
    /** A fresh OpenSSH key line and the fingerprint CloudStack shows for it (MD5 of the blob, colon hex). */
    const newKey = (comment = 'me@contract') => {
      const raw = Buffer.from(
        generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x!,
        'base64url',
      );
      const part = (bytes: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);
      const blob = Buffer.concat([part(Buffer.from('ssh-ed25519')), part(raw)]);
      const md5 = createHash('md5').update(blob).digest('hex').match(/../g)!.join(':');
      return { publicKey: `ssh-ed25519 ${blob.toString('base64')} ${comment}`, md5 };
    };
    const serverInput = (name: string, extra: Record<string, unknown> = {}) => ({
      name,
      imageId,
      planId,
      powerOn: true,
      labels: {},
      providerOptions: {},
      ...extra,
    });

    it('should declare what it takes: user data up to 24 KiB, one key by id or as text, labels kept by the gateway, no rebuild', () => {
      expect(adapter.features).toEqual({
        userData: { maxBytes: 24_576 },
        sshKeyIds: true,
        sshPublicKeys: true,
        nativeLabels: [],
        reasons: { labels: expect.stringContaining('gateway') },
      });
      expect(adapter.plans['server.rebuild']).toBeUndefined();
      expect(adapter.unsupportedReasons?.['server.rebuild']).toMatch(/no reinstall/);
      for (const op of ['server.relabel', 'volume.relabel', 'network.relabel', 'ip.relabel'] as const)
        expect(adapter.plans[op]).toBeUndefined();
    });

    it('should send user data as the plain text CloudMC takes, and keep it out of the step state and the server', async () => {
      const userData = '#cloud-config\nwrite_files:\n  - path: /etc/secret\n    content: hunter2-hunter2\n';
      const run = await runPlan(adapter, 'server.create', null, serverInput('with-data', { userData }));
      expect(state().instances.get(run.nativeId!)!.userData).toBe(userData);
      expect(JSON.stringify(run.state)).not.toContain('hunter2');
      expect(JSON.stringify(await gateway.servers!.get(run.nativeId!))).not.toContain('hunter2');
      // CloudMC shows it back on GET /instances/:id: the adapter reads past it.
      expect(await gateway.servers!.get(run.nativeId!)).not.toHaveProperty('extra.userData');
    });

    it('should refuse user data over the limit at once, and mask it where CloudMC repeats it in an error', async () => {
      await sim(simulator, 'DELETE', '/stats');
      expect(() =>
        normalized(adapter).plan({
          operation: 'server.create',
          target: null,
          taskId: '01JUSERDATATOOLONG00000001',
          input: serverInput('too-long', { userData: 'é'.repeat(12_289) }),
        }),
      ).toThrow(
        expect.objectContaining({
          code: 'validation_failed',
          errors: [expect.objectContaining({ field: 'userData' })],
        }),
      );
      expect(await posts()).toEqual([]);

      const userData = 'runcmd: [echo top-secret-value]';
      await sim(simulator, 'POST', '/faults', {
        action: 'body',
        method: 'POST',
        path: '/instances$',
        status: 400,
        count: 1,
        body: {
          errors: [{ code: 2001, message: `bad userData: ${userData}`, context: { field: 'userData' } }],
        },
      });
      const error = (await runPlan(adapter, 'server.create', null, serverInput('echoed', { userData })).catch(
        (e: unknown) => e,
      )) as GatewayError;
      expect(error).toBeInstanceOf(ValidationError);
      expect(JSON.stringify({ ...error, message: error.message })).not.toContain('top-secret-value');
      expect(error.upstream?.message).toContain('[redacted]');
    });

    it('should put a registered key on a server by its id (its name) and refuse two keys or an unknown one', async () => {
      const key = newKey();
      const created = await runPlan(adapter, 'sshKey.create', null, {
        name: 'ops-key',
        publicKey: key.publicKey,
      });
      expect(created.nativeId).toBe('ops-key');
      const run = await runPlan(
        adapter,
        'server.create',
        null,
        serverInput('keyed', { sshKeyIds: ['ops-key'] }),
      );
      expect(state().instances.get(run.nativeId!)).toMatchObject({
        sshKeyName: 'ops-key',
        publicKey: key.publicKey,
      });

      expect(() =>
        normalized(adapter).plan({
          operation: 'server.create',
          target: null,
          taskId: '01JTWOKEYS0000000000000001',
          input: serverInput('two-keys', { sshKeyIds: ['ops-key'], sshPublicKeys: [newKey().publicKey] }),
        }),
      ).toThrow(ValidationError);
      await expect(
        runPlan(adapter, 'server.create', null, serverInput('no-key', { sshKeyIds: ['nobody'] })),
      ).rejects.toMatchObject({
        code: 'validation_failed',
        errors: [expect.objectContaining({ field: 'sshKeyIds' })],
      });
    });

    it("should read keys by name with CloudMC's MD5 fingerprint in extra and no public key (CloudMC shows none)", async () => {
      const key = newKey();
      await runPlan(adapter, 'sshKey.create', null, { name: 'reader-key', publicKey: key.publicKey });
      const read = await gateway.sshKeys!.get('reader-key');
      expect(read).toMatchObject({
        id: 'cm:reader-key',
        name: 'reader-key',
        publicKey: null,
        fingerprint: null,
        extra: { fingerprint: key.md5 },
      });
      expect((await gateway.sshKeys!.list().then(items)).map((k) => k.nativeId).sort()).toEqual([
        'reader-key',
        SEED_SSH_KEY,
      ]);
    });

    it('should refuse a taken name before registering anything, and a name CloudMC cannot address at once', async () => {
      await sim(simulator, 'DELETE', '/stats');
      await expect(
        runPlan(adapter, 'sshKey.create', null, { name: SEED_SSH_KEY, publicKey: newKey().publicKey }),
      ).rejects.toMatchObject({ code: 'conflict', errors: [expect.objectContaining({ field: 'name' })] });
      expect(await posts()).toEqual([]);
      expect(() =>
        normalized(adapter).plan({
          operation: 'sshKey.create',
          target: null,
          taskId: '01JBADKEYNAME0000000000001',
          input: { name: 'has space', publicKey: newKey().publicKey },
        }),
      ).toThrow(expect.objectContaining({ errors: [expect.objectContaining({ field: 'name' })] }));
    });

    it('should take the key a lost register call made as its own (same fingerprint), and refuse another key of that name', async () => {
      const key = newKey();
      state().sshKeys.set('landed', { name: 'landed', fingerprint: key.md5, publicKey: key.publicKey });
      await sim(simulator, 'DELETE', '/stats');
      const run = await runPlan(
        adapter,
        'sshKey.create',
        null,
        { name: 'landed', publicKey: key.publicKey },
        { resumeAt: 'create-key' },
      );
      expect(run.nativeId).toBe('landed');
      expect(await posts()).toEqual([]);

      state().sshKeys.set('squatted', { name: 'squatted', fingerprint: newKey().md5 });
      await expect(
        runPlan(
          adapter,
          'sshKey.create',
          null,
          { name: 'squatted', publicKey: key.publicKey },
          { resumeAt: 'create-key' },
        ),
      ).rejects.toBeInstanceOf(ConflictError);
    });

    it('should delete a key by name, and end a delete of a key already gone', async () => {
      await runPlan(adapter, 'sshKey.create', null, { name: 'short-lived', publicKey: newKey().publicKey });
      await runPlan(adapter, 'sshKey.delete', 'short-lived', {});
      expect(state().sshKeys.has('short-lived')).toBe(false);
      await sim(simulator, 'DELETE', '/stats');
      await runPlan(adapter, 'sshKey.delete', 'short-lived', {});
      expect(await posts()).toEqual([]);
    });

    it('should resize a running server with changeComputeOffering and wait for it to run again', async () => {
      const id = await createServer('grow-me');
      const run = await runPlan(adapter, 'server.resize', id, { planId: SEED_IDS.offeringLarge });
      expect(run.steps).toEqual(['prepare', 'resize', 'wait-resized']);
      expect(await gateway.servers!.get(id)).toMatchObject({
        state: 'running',
        planId: `cm:${SEED_IDS.offeringLarge}`,
        cpuCores: 4,
        memoryMb: 8192,
      });
    });

    it('should size a stopped server on the custom offering from cores and memory, and leave it stopped', async () => {
      const id = await createServer('custom-size', false);
      await runPlan(adapter, 'server.resize', id, { cpuCores: 2, memoryMb: 2048 });
      expect(await gateway.servers!.get(id)).toMatchObject({
        state: 'stopped',
        planId: `cm:${SEED_IDS.offeringCustom}`,
        cpuCores: 2,
        memoryMb: 2048,
      });
      expect(state().instances.get(id)).toMatchObject({ cpuCount: 2, memoryInMB: 2048 });
    });

    it('should refuse the resize forms CloudMC cannot take, naming the field', async () => {
      const plan = (input: ServerResizeInput) => () =>
        normalized(adapter).plan({
          operation: 'server.resize',
          target: SEED_IDS.instance,
          taskId: '01JRESIZEFORMS000000000001',
          input,
        });
      const field = (name: string): Error =>
        expect.objectContaining({ errors: [expect.objectContaining({ field: name })] }) as Error;
      expect(plan({ cpuCores: 2 })).toThrow(field('memoryMb'));
      expect(plan({})).toThrow(field('planId'));
      // Custom offering without a size, or a fixed one with another size: refused before any change call.
      await sim(simulator, 'DELETE', '/stats');
      await expect(
        runPlan(adapter, 'server.resize', SEED_IDS.instance, { planId: SEED_IDS.offeringCustom }),
      ).rejects.toMatchObject({
        code: 'validation_failed',
        errors: [expect.objectContaining({ field: 'cpuCores' })],
      });
      await expect(
        runPlan(adapter, 'server.resize', SEED_IDS.instance, {
          planId: SEED_IDS.offeringLarge,
          cpuCores: 1,
          memoryMb: 1024,
        }),
      ).rejects.toBeInstanceOf(ValidationError);
      expect(await posts()).toEqual([]);
    });

    it('should grow a data volume of a fixed-size offering by moving it to the custom-size one', async () => {
      const server = await createServer('disk-grower');
      const created = await runPlan(adapter, 'volume.create', null, {
        name: 'grow-data',
        sizeGb: 20,
        serverId: server,
        labels: {},
        providerOptions: {},
      });
      const id = created.nativeId!;
      expect(state().volumes.get(id)!.diskOfferingId).toBe(SEED_IDS.disk20);
      const run = await runPlan(adapter, 'volume.resize', id, { sizeGb: 30 });
      expect(run.steps).toEqual(['resize', 'wait-resized', 'wait-server']);
      expect(await gateway.volumes!.get(id)).toMatchObject({ sizeGb: 30, state: 'in-use' });
      expect(state().volumes.get(id)!.diskOfferingId).toBe(SEED_IDS.diskCustom);
      expect((await gateway.servers!.get(server))!.state).toBe('running');
    });

    it('should refuse a volume size that is not larger, fractional, or a root volume, before any resize call', async () => {
      const server = await createServer('no-shrink');
      const id = (
        await runPlan(adapter, 'volume.create', null, {
          name: 'fixed',
          sizeGb: 20,
          serverId: server,
          labels: {},
          providerOptions: {},
        })
      ).nativeId!;
      await sim(simulator, 'DELETE', '/stats');
      for (const sizeGb of [20, 10])
        await expect(runPlan(adapter, 'volume.resize', id, { sizeGb })).rejects.toMatchObject({
          code: 'validation_failed',
          errors: [expect.objectContaining({ field: 'sizeGb' })],
        });
      expect(() =>
        normalized(adapter).plan({
          operation: 'volume.resize',
          target: id,
          taskId: '01JFRACTION0000000000000001',
          input: { sizeGb: 25.5 },
        }),
      ).toThrow(ValidationError);
      await expect(
        runPlan(adapter, 'volume.resize', SEED_IDS.rootVolume, { sizeGb: 50 }),
      ).rejects.toBeInstanceOf(ConflictError);
      expect(await posts()).toEqual([]);
    });
  });
});
