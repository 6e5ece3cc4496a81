import type { Task } from '../generated/client';
import { api, catalogPicks, clientFor, succeeded, waitForTask, type Client } from '../support/api';
import { KEYS, startTestGateway, type TestGateway } from '../support/gateway';

// Caller deadlines (docs/design.md#caller-deadlines): `?deadlineSeconds=N` on every mutation, bounded per operation
// by the connection's maximum, which the capability document shows. The connection here sets its own deadline and
// maximum for server.stop and a maximum for server.create; other operations take the gateway's.

const CM = 'cm-a';
const TUNING = {
  deadlines: { 'server.stop': 300 },
  maxDeadlines: { 'server.stop': 600, 'server.create': 7200 },
};

/** Seconds from a task's creation to its deadline. */
const deadlineOf = (task: Task) => (Date.parse(task.deadlineAt) - Date.parse(task.createdAt)) / 1000;

describe('caller deadlines (e2e)', () => {
  let gateway: TestGateway;
  let client: Client;
  let picks: { imageId: string; planId: string };
  let server: string;

  /** A mutation sent as text, for query values the generated client would not send. */
  const raw = (method: string, path: string, body?: unknown) =>
    fetch(`${gateway.baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${KEYS.admin}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    // Slow enough that a one-second create cannot finish; the tests wait only for what they must.
    gateway = await startTestGateway({
      connections: [{ name: CM, kind: 'cloudmc' }],
      speed: 4,
      tuning: TUNING,
    });
    client = clientFor(gateway.baseUrl, KEYS.admin);
    picks = await catalogPicks(client, CM);
  });

  afterAll(() => gateway?.close());

  it('should show each operation’s default and longest deadline in the capability document', async () => {
    const detail = (await api.getProvider({ client, path: { name: CM } })).data!;
    expect(detail.deadlines['server.stop']).toEqual({ defaultSeconds: 300, maxSeconds: 600 });
    expect(detail.deadlines['server.create']).toEqual({ defaultSeconds: 1800, maxSeconds: 7200 });
    expect(detail.deadlines['server.start']).toEqual({ defaultSeconds: 1800, maxSeconds: 86_400 });
    // Only the operations the connection can do.
    const unsupported = detail.operations.filter((o) => !o.supported).map((o) => o.operation);
    expect(unsupported.length).toBeGreaterThan(0);
    for (const operation of unsupported) expect(detail.deadlines).not.toHaveProperty([operation]);
    const listed = (await api.listProviders({ client })).data!.items.find((p) => p.name === CM)!;
    expect(listed.deadlines).toEqual(detail.deadlines);
  });

  it('should set deadlineAt from ?deadlineSeconds= on a create', async () => {
    const accepted = await api.createServer({
      client,
      body: { provider: CM, name: 'e2e-deadline', ...picks },
      query: { deadlineSeconds: 120 },
    });
    expect(accepted.response.status).toBe(202);
    expect(deadlineOf(accepted.data!)).toBe(120);
    const done = await succeeded(client, accepted.data);
    expect(deadlineOf(done)).toBe(120);
    server = done.resource.id!;
  });

  it('should refuse a deadline above the connection’s maximum for the operation with 400 naming the field', async () => {
    const create = await api.createServer({
      client,
      body: { provider: CM, name: 'e2e-too-long', ...picks },
      query: { deadlineSeconds: 7201 },
    });
    expect(create.response.status).toBe(400);
    expect(create.error).toMatchObject({
      code: 'validation_failed',
      detail: expect.stringContaining('7200'),
      errors: [{ field: 'deadlineSeconds', message: expect.stringContaining('7200') }],
    });

    const stop = await api.stopServer({
      client,
      path: { id: server },
      body: {},
      query: { deadlineSeconds: 601 },
    });
    expect(stop.response.status).toBe(400);
    expect(stop.error).toMatchObject({
      errors: [{ field: 'deadlineSeconds', message: expect.stringContaining('600') }],
    });

    // The gateway-wide maximum where the connection sets none.
    const reboot = await api.rebootServer({
      client,
      path: { id: server },
      query: { deadlineSeconds: 86_401 },
    });
    expect(reboot.response.status).toBe(400);
    expect(reboot.error).toMatchObject({ errors: [{ field: 'deadlineSeconds' }] });
  });

  it.each(['0', '-5', '1.5', 'soon', ''])(
    'should refuse deadlineSeconds=%p with 400 naming the field',
    async (value) => {
      const answer = await raw('POST', `/v1/servers/${server}/reboot?deadlineSeconds=${value}`);
      expect(answer.status).toBe(400);
      expect(await answer.json()).toMatchObject({
        code: 'validation_failed',
        errors: [{ field: 'deadlineSeconds' }],
      });
    },
  );

  it('should refuse an unknown or repeated query parameter on a mutation with 400 naming it, before the body', async () => {
    const unknown = await raw('POST', `/v1/servers/${server}/rebuild?deadline=60`);
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ errors: [{ field: 'deadline' }] });
    const repeated = await raw('POST', `/v1/servers/${server}/reboot?deadlineSeconds=60&deadlineSeconds=90`);
    expect(repeated.status).toBe(400);
    expect(await repeated.json()).toMatchObject({ errors: [{ field: 'deadlineSeconds' }] });
  });

  it('should take the connection’s maximum on an operation, and the gateway’s above it on another', async () => {
    const stop = await api.stopServer({
      client,
      path: { id: server },
      body: {},
      query: { deadlineSeconds: 600 },
    });
    expect(stop.response.status).toBe(202);
    expect(deadlineOf(stop.data!)).toBe(600);
    await succeeded(client, stop.data);
    const start = await api.startServer({ client, path: { id: server }, query: { deadlineSeconds: 601 } });
    expect(start.response.status).toBe(202);
    expect(deadlineOf(start.data!)).toBe(601);
    await succeeded(client, start.data);
    // Without one, the operation's configured deadline.
    const stopAgain = await api.stopServer({ client, path: { id: server }, body: {} });
    expect(deadlineOf(stopAgain.data!)).toBe(300);
    await succeeded(client, stopAgain.data);
  });

  it('should make the deadline part of an Idempotency-Key replay', async () => {
    const headers = { 'Idempotency-Key': 'deadline-replay-1' };
    const first = await api.startServer({
      client,
      path: { id: server },
      headers,
      query: { deadlineSeconds: 60 },
    });
    expect(first.response.status).toBe(202);
    const replay = await api.startServer({
      client,
      path: { id: server },
      headers,
      query: { deadlineSeconds: 60 },
    });
    expect(replay.data!.id).toBe(first.data!.id);
    const other = await api.startServer({
      client,
      path: { id: server },
      headers,
      query: { deadlineSeconds: 120 },
    });
    expect(other.response.status).toBe(422);
    expect(other.error).toMatchObject({ code: 'idempotency_mismatch' });
    const none = await api.startServer({ client, path: { id: server }, headers });
    expect(none.response.status).toBe(422);
    await succeeded(client, first.data);
  });

  it('should end a create that cannot finish within a too-short deadline with timeout', async () => {
    const accepted = await api.createServer({
      client,
      body: { provider: CM, name: 'e2e-short', ...picks },
      query: { deadlineSeconds: 1 },
    });
    expect(accepted.response.status).toBe(202);
    expect(deadlineOf(accepted.data!)).toBe(1);
    const ended = await waitForTask(client, accepted.data!.id);
    expect(ended.status).toBe('failed');
    expect(ended.error).toMatchObject({ code: 'timeout' });
  });
});
