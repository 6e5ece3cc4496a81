import { api, catalogPicks, clientFor, succeeded, waitForTask, type Client } from '../support/api';
import { KEYS, startTestGateway, type TestGateway } from '../support/gateway';
import { openEvents } from '../support/sse';

describe('tasks: idempotency, long polls, lists and events (e2e)', () => {
  let gateway: TestGateway;
  let client: Client;
  let body: { provider: string; name: string; imageId: string; planId: string };

  beforeAll(async () => {
    gateway = await startTestGateway({ connections: [{ name: 'cm-a', kind: 'cloudmc' }] });
    client = clientFor(gateway.baseUrl, KEYS.admin);
    body = { provider: 'cm-a', name: 'idem', ...(await catalogPicks(client, 'cm-a')) };
  });

  afterAll(() => gateway.close());

  it('should replay the same task for the same Idempotency-Key and body, and refuse another body with 422', async () => {
    const headers = { 'Idempotency-Key': 'create-idem-1' };
    const first = await api.createServer({ client, body, headers });
    const again = await api.createServer({ client, body: { ...body }, headers });
    expect(again.response.status).toBe(202);
    expect(again.data!.id).toBe(first.data!.id);
    const done = await succeeded(client, first.data);
    const afterDone = await api.createServer({ client, body, headers });
    expect(afterDone.data).toMatchObject({ id: first.data!.id, status: 'succeeded' });
    // A replay of a finished task is a final answer: 200, nothing to retry after, the result presented.
    expect(afterDone.response.status).toBe(200);
    expect(afterDone.response.headers.get('retry-after')).toBeNull();
    expect(afterDone.response.headers.get('location')).toBe(`/v1/tasks/${first.data!.id}`);
    expect(afterDone.data!.result).toMatchObject({ resourceType: 'server', allowedActions: { stop: {} } });

    const mismatch = await api.createServer({ client, body: { ...body, name: 'other' }, headers });
    expect(mismatch.response.status).toBe(422);
    expect(mismatch.error).toMatchObject({ code: 'idempotency_mismatch' });

    const servers = await api.listServers({ client, query: { name: 'idem', provider: 'cm-a' } });
    expect(servers.data!.items.filter((s) => s.name === 'idem')).toHaveLength(1);
    expect(done.resource.id).toBe(servers.data!.items.find((s) => s.name === 'idem')!.id);
  });

  it('should scope Idempotency-Keys to the API key', async () => {
    const headers = { 'Idempotency-Key': 'shared-key' };
    const mine = await api.createNetwork({ client, body: { provider: 'cm-a', name: 'scoped-1' }, headers });
    const theirs = await api.createNetwork({
      client: clientFor(gateway.baseUrl, KEYS.tenantA),
      body: { provider: 'cm-a', name: 'scoped-2' },
      headers,
    });
    expect(theirs.data!.id).not.toBe(mine.data!.id);
    await succeeded(client, mine.data);
    await succeeded(client, theirs.data);
  });

  it('should hold GET /v1/tasks/{id}?waitSeconds until the task ends', async () => {
    const accepted = await api.createNetwork({ client, body: { provider: 'cm-a', name: 'long-poll' } });
    const polled = await api.getTask({ client, path: { id: accepted.data!.id }, query: { waitSeconds: 30 } });
    expect(polled.data).toMatchObject({ id: accepted.data!.id, status: 'succeeded', progress: 100 });
    expect(polled.data!.completedAt).toEqual(expect.any(String));
  });

  it('should filter the task list and page through it newest first', async () => {
    const network = await succeeded(
      client,
      (await api.createNetwork({ client, body: { provider: 'cm-a', name: 'listed' } })).data,
    );
    const byResource = await api.listTasks({ client, query: { resourceId: network.resource.id! } });
    expect(byResource.data!.items.map((t) => t.id)).toEqual([network.id]);
    const byOperation = await api.listTasks({
      client,
      query: { operation: 'network.create', status: 'succeeded' },
    });
    expect(byOperation.data!.items.length).toBeGreaterThanOrEqual(2);
    expect(
      byOperation.data!.items.every((t) => t.operation === 'network.create' && t.status === 'succeeded'),
    ).toBe(true);
    const ids = byOperation.data!.items.map((t) => t.id);
    expect([...ids].sort().reverse()).toEqual(ids);
    const page = await api.listTasks({ client, query: { pageSize: 1 } });
    const next = await api.listTasks({
      client,
      query: { pageSize: 1, pageToken: page.data!.nextPageToken! },
    });
    expect(next.data!.items[0].id < page.data!.items[0].id).toBe(true);
  });

  it('should stream the events of a task over SSE and resume after Last-Event-ID', async () => {
    const stream = await openEvents(`${gateway.baseUrl}/v1/events?provider=cm-a`, {
      Authorization: `Bearer ${KEYS.admin}`,
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/);
    const accepted = await api.createNetwork({ client, body: { provider: 'cm-a', name: 'streamed' } });
    const taskId = accepted.data!.id;
    const events = await stream.until((all) =>
      all.some((e) => e.event === 'task.succeeded' && JSON.parse(e.data).id === taskId),
    );
    stream.close();
    const mine = events.filter((e) => JSON.parse(e.data).id === taskId);
    expect(mine[0].event).toBe('task.created');
    expect(mine.map((e) => e.event)).toContain('task.updated');
    expect(mine[mine.length - 1].event).toBe('task.succeeded');

    const resumed = await openEvents(`${gateway.baseUrl}/v1/events?taskId=${taskId}`, {
      Authorization: `Bearer ${KEYS.admin}`,
      'Last-Event-ID': mine[0].id!,
    });
    const replayed = await resumed.until((all) => all.some((e) => e.event === 'task.succeeded'));
    resumed.close();
    expect(replayed.map((e) => e.data)).toEqual(mine.slice(1).map((e) => e.data));
  });

  it('should let a browser open the stream with a short-lived token instead of a header', async () => {
    const token = await api.createEventToken({ client });
    expect(token.response.status).toBe(201);
    expect(token.data!.token).toMatch(/^evt_/);
    const stream = await openEvents(`${gateway.baseUrl}/v1/events?access_token=${token.data!.token}`);
    expect(stream.status).toBe(200);
    const accepted = await api.createNetwork({ client, body: { provider: 'cm-a', name: 'browser' } });
    await stream.until((all) => all.some((e) => JSON.parse(e.data).id === accepted.data!.id));
    stream.close();
    await waitForTask(client, accepted.data!.id);

    const refused = await fetch(`${gateway.baseUrl}/v1/servers?access_token=${token.data!.token}`);
    expect(refused.status).toBe(401);
    const bogus = await fetch(`${gateway.baseUrl}/v1/events?access_token=evt_${'x'.repeat(32)}`);
    expect(bogus.status).toBe(401);
  });
});
