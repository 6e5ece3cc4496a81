import { Redis } from 'ioredis';
import { keys } from '../../src/common/redis/keys';
import { ResourceType } from '../../src/domain/states';
import { encodeChange } from '../../src/tasks/resource-change';
import type { WebhookDelivery } from '../generated/client';
import { api, clientFor, succeeded, type Client } from '../support/api';
import { KEYS, startTestGateway, type TestGateway } from '../support/gateway';
import { bodyOf, verified, verifiesWith, WebhookReceiver } from '../support/webhook-receiver';

// Signed outbound webhooks (docs/design.md#webhooks) through the generated client: a loopback receiver verifies
// every request with the Standard Webhooks reference library, as a receiver in the wild would.

const A = 'cm-a';
const B = 'cm-b';
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

describe('webhooks (e2e, generated client, real Redis)', () => {
  let gateway: TestGateway;
  let receiver: WebhookReceiver;
  let admin: Client;
  let tenantA: Client;
  let tenantB: Client;
  let redis: Redis;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    gateway = await startTestGateway({
      connections: [
        { name: A, kind: 'cloudmc' },
        { name: B, kind: 'cloudmc' },
      ],
      webhooks: { allowPrivateTargets: true, maxAttempts: 4, disableAfterFailures: 3, maxPerKey: 6 },
    });
    admin = clientFor(gateway.baseUrl, KEYS.admin);
    tenantA = clientFor(gateway.baseUrl, KEYS.tenantA);
    tenantB = clientFor(gateway.baseUrl, KEYS.tenantB);
    redis = new Redis(gateway.redisUrl);
  });

  afterAll(async () => {
    redis?.disconnect();
    await gateway?.close();
    await receiver?.close();
  });

  const create = async (
    client: Client,
    path: string,
    events: Array<
      | '*'
      | 'task.created'
      | 'task.updated'
      | 'task.succeeded'
      | 'task.failed'
      | 'task.canceled'
      | 'resource.changed'
    >,
    providers?: string[] | null,
  ) => {
    const answer = await api.createWebhook({ client, body: { url: receiver.url(path), events, providers } });
    expect(answer.response.status).toBe(201);
    return answer.data!;
  };
  /** A network made through the gateway: its task and the events it publishes (created, updated…, succeeded). */
  const network = async (client: Client, provider: string, name: string) => {
    const answer = await api.createNetwork({ client, body: { provider, name } });
    if (!answer.data)
      throw new Error(`POST /v1/networks: ${answer.response.status} ${JSON.stringify(answer.error)}`);
    return succeeded(client, answer.data);
  };
  const deliveries = async (client: Client, id: string) =>
    (await api.listWebhookDeliveries({ client, path: { id } })).data!.items;
  /** Polls the deliveries until one satisfies `done`. */
  const deliveryWhen = async (
    client: Client,
    id: string,
    done: (d: WebhookDelivery) => boolean,
    timeoutMs = 30_000,
  ): Promise<WebhookDelivery> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = (await deliveries(client, id)).find(done);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`no such delivery of ${id}: ${JSON.stringify(await deliveries(client, id))}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const taskEventsOf = (path: string, taskId: string) =>
    receiver.on(path).filter((r) => bodyOf(r).data.id === taskId);

  it('should register a webhook (201 with its secret) and never show the secret again', async () => {
    const created = await create(tenantA, '/created', ['task.succeeded'], [A]);
    expect(created).toEqual({
      id: expect.stringMatching(ULID),
      url: receiver.url('/created'),
      events: ['task.succeeded'],
      providers: [A],
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
      enabled: true,
      disabledReason: null,
      disabledAt: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const read = await api.getWebhook({ client: tenantA, path: { id: created.id } });
    expect(read.response.status).toBe(200);
    expect(read.data).not.toHaveProperty('secret');
    const { secret: _secret, ...shown } = created;
    expect(read.data).toEqual(shown);
    const listed = await api.listWebhooks({ client: tenantA });
    expect(listed.data!.items).toContainEqual(shown);
    expect(JSON.stringify(listed.data)).not.toContain(created.secret);
    // Another key does not see it.
    expect((await api.listWebhooks({ client: tenantB })).data!.items.map((w) => w.id)).not.toContain(
      created.id,
    );
    expect((await api.getWebhook({ client: tenantB, path: { id: created.id } })).response.status).toBe(404);
    await api.deleteWebhook({ client: tenantA, path: { id: created.id } });
  });

  it('should answer a create replayed with the same Idempotency-Key with the same webhook, and 422 for another body', async () => {
    const headers = { 'Idempotency-Key': 'webhook-create-1' };
    const body = { url: receiver.url('/replayed'), events: ['task.failed' as const] };
    const before = (await api.listWebhooks({ client: tenantA })).data!.items.length;
    const first = await api.createWebhook({ client: tenantA, body, headers });
    const again = await api.createWebhook({ client: tenantA, body, headers });
    expect(first.response.status).toBe(201);
    expect(again.response.status).toBe(201);
    // The answer the client may have missed, secret included: the same webhook, not a second one.
    expect(again.data).toEqual(first.data);
    expect((await api.listWebhooks({ client: tenantA })).data!.items).toHaveLength(before + 1);
    const other = await api.createWebhook({
      client: tenantA,
      body: { ...body, events: ['task.succeeded'] },
      headers,
    });
    expect(other.response.status).toBe(422);
    expect(other.error).toMatchObject({ code: 'idempotency_mismatch' });
    // Scoped to the API key: another key's same Idempotency-Key makes its own.
    const theirs = await api.createWebhook({ client: tenantB, body, headers });
    expect(theirs.response.status).toBe(201);
    expect(theirs.data!.id).not.toBe(first.data!.id);
    await api.deleteWebhook({ client: tenantA, path: { id: first.data!.id } });
    await api.deleteWebhook({ client: tenantB, path: { id: theirs.data!.id } });
  });

  it("should deliver a task's events, signed (verified with the standardwebhooks library), in order", async () => {
    const hook = await create(tenantA, '/all', ['*']);
    const task = await network(tenantA, A, 'wh-all');
    const requests = await receiver.waitFor('/all', (rs) =>
      rs.some((r) => bodyOf(r).type === 'task.succeeded' && bodyOf(r).data.id === task.id),
    );
    const mine = requests.filter((r) => bodyOf(r).data.id === task.id);
    const payloads = mine.map((r) => verified(r, hook.secret));
    // Delivery is at least once and parallel: the order is the events' own (`timestamp`, the task's `updatedAt`).
    payloads.sort(
      (x, y) =>
        x.timestamp.localeCompare(y.timestamp) ||
        String(x.data.updatedAt).localeCompare(String(y.data.updatedAt)),
    );
    const types = payloads.map((p) => p.type);
    expect(types[0]).toBe('task.created');
    expect(types[types.length - 1]).toBe('task.succeeded');
    expect(types.slice(1, -1).every((t) => t === 'task.updated')).toBe(true);
    expect(payloads[payloads.length - 1].data).toMatchObject({
      id: task.id,
      provider: A,
      operation: 'network.create',
      status: 'succeeded',
      resource: { type: 'network', id: task.resource.id },
    });
    for (const request of mine) {
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['webhook-id']).toMatch(/^msg_e\.cm-[ab]\.\d+-\d+$/);
      expect(Number(request.headers['webhook-timestamp'])).toBeGreaterThan(1_700_000_000);
      expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(verifiesWith(request, 'whsec_' + Buffer.alloc(32, 1).toString('base64'))).toBe(false);
    }
    // Every event once (ids differ), each recorded as delivered with one attempt.
    expect(new Set(mine.map((r) => r.headers['webhook-id'])).size).toBe(mine.length);
    const records = await deliveries(tenantA, hook.id);
    const forTask = records.filter((d) => mine.some((r) => r.headers['webhook-id'] === `msg_${d.id}`));
    expect(forTask).toHaveLength(mine.length);
    for (const record of forTask)
      expect(record).toMatchObject({
        status: 'succeeded',
        nextRetryAt: null,
        attempts: [{ statusCode: 200, error: null, latencyMs: expect.any(Number), at: expect.any(String) }],
      });
    await api.deleteWebhook({ client: tenantA, path: { id: hook.id } });
  });

  it('should deliver only the event types and providers asked for, and refuse a provider the key cannot see', async () => {
    const refused = await api.createWebhook({
      client: tenantA,
      body: { url: receiver.url('/x'), events: ['*'], providers: [B] },
    });
    expect(refused.response.status).toBe(400);
    expect(refused.error).toMatchObject({ code: 'validation_failed', errors: [{ field: 'providers' }] });

    const filtered = await create(admin, '/filtered', ['task.succeeded'], [A]);
    const onB = await network(admin, B, 'wh-b');
    const onA = await network(admin, A, 'wh-a');
    // Events are dispatched in stream order: once A's arrives, B's had their turn.
    await receiver.waitFor('/filtered', (rs) => rs.some((r) => bodyOf(r).data.id === onA.id));
    const got = receiver.on('/filtered').map((r) => verified(r, filtered.secret));
    expect(got.every((p) => p.type === 'task.succeeded' && p.data.provider === A)).toBe(true);
    expect(got.map((p) => p.data.id)).not.toContain(onB.id);
    expect(taskEventsOf('/filtered', onA.id)).toHaveLength(1);
    await api.deleteWebhook({ client: admin, path: { id: filtered.id } });
  });

  it('should deliver resource.changed to its subscribers only', async () => {
    const changes = await create(tenantA, '/changes', ['resource.changed']);
    const tasksOnly = await create(tenantA, '/tasks-only', ['task.created']);
    const change = {
      provider: A,
      resource: { type: ResourceType.Server, id: `${A}:console-made` },
      fromState: 'running',
      toState: 'stopped',
      observedAt: new Date().toISOString(),
    };
    // What the history publishes when a read sees a change no task made (docs/design.md#history).
    const entryId = (await redis.xadd(keys.changes(A), '*', ...encodeChange(change)))!;
    const [request] = await receiver.waitFor('/changes', (rs) => rs.length >= 1);
    expect(verified(request, changes.secret)).toEqual({
      type: 'resource.changed',
      timestamp: new Date(Number(entryId.split('-')[0])).toISOString(),
      data: { type: 'resource.changed', ...change },
    });
    expect(request.headers['webhook-id']).toBe(`msg_c.${A}.${entryId}`);
    // A change of a connection the key cannot see never reaches it.
    await redis.xadd(
      keys.changes(B),
      '*',
      ...encodeChange({ ...change, provider: B, resource: { type: ResourceType.Server, id: `${B}:x` } }),
    );
    await network(tenantA, A, 'wh-after-change');
    await receiver.waitFor('/tasks-only', (rs) => rs.length >= 1);
    expect(receiver.on('/changes')).toHaveLength(1);
    expect(receiver.on('/tasks-only').every((r) => bodyOf(r).type === 'task.created')).toBe(true);
    await api.deleteWebhook({ client: tenantA, path: { id: changes.id } });
    await api.deleteWebhook({ client: tenantA, path: { id: tasksOnly.id } });
  });

  it('should retry a failing receiver with backoff and deliver on the 3rd attempt, the same webhook-id each time', async () => {
    receiver.script('/flaky', [500, 503], 200);
    const hook = await create(tenantA, '/flaky', ['task.failed']);
    const test = await api.testWebhook({ client: tenantA, path: { id: hook.id } });
    expect(test.response.status).toBe(202);
    expect(test.data).toMatchObject({ eventType: 'webhook.test', status: 'pending', attempts: [] });
    const pending = await deliveryWhen(tenantA, hook.id, (d) => d.attempts.length >= 1);
    if (pending.status === 'pending') {
      expect(pending.nextRetryAt).toEqual(expect.any(String));
      expect(Date.parse(pending.nextRetryAt!)).toBeGreaterThan(Date.parse(pending.attempts[0].at));
    }
    const done = await deliveryWhen(tenantA, hook.id, (d) => d.status !== 'pending');
    expect(done).toMatchObject({ id: test.data!.id, status: 'succeeded', nextRetryAt: null });
    expect(done.attempts.map((a) => [a.statusCode, a.error])).toEqual([
      [500, 'HTTP 500'],
      [503, 'HTTP 503'],
      [200, null],
    ]);
    for (const attempt of done.attempts) expect(attempt.latencyMs).toEqual(expect.any(Number));
    const requests = receiver.on('/flaky');
    expect(requests).toHaveLength(3);
    expect(new Set(requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([`msg_${done.id}`]));
    for (const request of requests)
      expect(verified(request, hook.secret)).toMatchObject({
        type: 'webhook.test',
        data: { webhookId: hook.id },
      });
    await api.deleteWebhook({ client: tenantA, path: { id: hook.id } });
  });

  it('should disable a webhook after a run of failed attempts, visibly, and take it back with PATCH', async () => {
    receiver.script('/down', [], 500);
    const hook = await create(tenantA, '/down', ['task.succeeded'], [A]);
    const sentinel = await create(tenantA, '/sentinel', ['task.succeeded'], [A]);
    await api.testWebhook({ client: tenantA, path: { id: hook.id } });
    const failed = await deliveryWhen(tenantA, hook.id, (d) => d.status !== 'pending');
    expect(failed.status).toBe('failed');
    expect(failed.attempts.map((a) => a.statusCode)).toEqual([500, 500, 500]);
    const disabled = (await api.getWebhook({ client: tenantA, path: { id: hook.id } })).data!;
    expect(disabled).toMatchObject({
      enabled: false,
      disabledReason: '3 consecutive failed attempts; last: HTTP 500',
      disabledAt: expect.any(String),
    });
    // Disabled: no new delivery, while the sentinel beside it gets the event.
    const task = await network(tenantA, A, 'wh-while-disabled');
    await receiver.waitFor('/sentinel', (rs) => rs.some((r) => bodyOf(r).data.id === task.id));
    expect((await deliveries(tenantA, hook.id)).map((d) => d.eventType)).toEqual(['webhook.test']);

    receiver.script('/down', [], 204);
    const patched = await api.updateWebhook({
      client: tenantA,
      path: { id: hook.id },
      body: { enabled: true },
    });
    expect(patched.response.status).toBe(200);
    expect(patched.data).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null });
    const next = await network(tenantA, A, 'wh-re-enabled');
    await receiver.waitFor('/down', (rs) => rs.some((r) => bodyOf(r).data.id === next.id));
    await api.deleteWebhook({ client: tenantA, path: { id: hook.id } });
    await api.deleteWebhook({ client: tenantA, path: { id: sentinel.id } });
  });

  it('should sign with the new secret only, at once, after rotate-secret', async () => {
    const hook = await create(tenantA, '/rotated', ['task.created']);
    const rotated = await api.rotateWebhookSecret({ client: tenantA, path: { id: hook.id } });
    expect(rotated.response.status).toBe(200);
    expect(rotated.data!.secret).toMatch(/^whsec_/);
    expect(rotated.data!.secret).not.toBe(hook.secret);
    expect(rotated.data!.id).toBe(hook.id);
    await api.testWebhook({ client: tenantA, path: { id: hook.id } });
    const [request] = await receiver.waitFor('/rotated', (rs) => rs.length >= 1);
    expect(verifiesWith(request, rotated.data!.secret)).toBe(true);
    expect(verifiesWith(request, hook.secret)).toBe(false);
    await api.deleteWebhook({ client: tenantA, path: { id: hook.id } });
  });

  it('should send a test event whatever the filter, and nothing more once deleted', async () => {
    const hook = await create(tenantA, '/deleted', ['task.failed'], [A]);
    const sentinel = await create(tenantA, '/sentinel-2', ['task.succeeded'], [A]);
    const test = await api.testWebhook({ client: tenantA, path: { id: hook.id } });
    expect(test.data).toMatchObject({ id: expect.stringMatching(/^t/), eventType: 'webhook.test' });
    const [request] = await receiver.waitFor('/deleted', (rs) => rs.length >= 1);
    expect(verified(request, hook.secret)).toMatchObject({
      type: 'webhook.test',
      timestamp: expect.any(String),
      data: { webhookId: hook.id },
    });
    await api.updateWebhook({ client: tenantA, path: { id: hook.id }, body: { events: ['*'] } });
    const removed = await api.deleteWebhook({ client: tenantA, path: { id: hook.id } });
    expect(removed.response.status).toBe(204);
    expect((await api.getWebhook({ client: tenantA, path: { id: hook.id } })).response.status).toBe(404);
    expect(
      (await api.listWebhookDeliveries({ client: tenantA, path: { id: hook.id } })).response.status,
    ).toBe(404);
    const task = await network(tenantA, A, 'wh-after-delete');
    await receiver.waitFor('/sentinel-2', (rs) => rs.some((r) => bodyOf(r).data.id === task.id));
    expect(receiver.on('/deleted')).toHaveLength(1);
    await api.deleteWebhook({ client: tenantA, path: { id: sentinel.id } });
  });

  it('should not follow a redirect: a 302 is a failed attempt', async () => {
    receiver.script('/redirect', [], { status: 302, location: receiver.url('/redirect-target') });
    const hook = await create(tenantA, '/redirect', ['task.failed']);
    await api.testWebhook({ client: tenantA, path: { id: hook.id } });
    const record = await deliveryWhen(tenantA, hook.id, (d) => d.attempts.length >= 1);
    expect(record.attempts[0]).toMatchObject({
      statusCode: 302,
      error: 'HTTP 302: redirects are not followed',
    });
    expect(receiver.on('/redirect').length).toBeGreaterThanOrEqual(1);
    expect(receiver.on('/redirect-target')).toHaveLength(0);
    await api.deleteWebhook({ client: tenantA, path: { id: hook.id } });
  });

  it('should validate what it is given, check scopes and cap the webhooks of a key (409)', async () => {
    const bad = async (body: Record<string, unknown>, field: string) => {
      const answer = await api.createWebhook({ client: tenantB, body: body as never });
      expect(answer.response.status).toBe(400);
      expect(JSON.stringify(answer.error)).toContain(`"field":"${field}"`);
    };
    await bad({ url: 'ftp://example.com/', events: ['*'] }, 'url');
    await bad({ url: 'https://user:pw@example.com/', events: ['*'] }, 'url');
    await bad({ url: 'not a url', events: ['*'] }, 'url');
    await bad({ url: `https://example.com/${'a'.repeat(2100)}`, events: ['*'] }, 'url');
    await bad({ url: 'https://example.com/', events: [] }, 'events');
    await bad({ url: 'https://example.com/', events: ['task.exploded'] }, 'events');
    await bad({ url: 'https://example.com/', events: ['*', '*'] }, 'events');
    await bad({ url: 'https://example.com/', events: ['*'], secret: 'mine' }, 'secret');
    // An empty change: 404 for an id that names nothing (as every mutation on an id), else 400.
    const unknown = await api.updateWebhook({
      client: tenantB,
      path: { id: '01J00000000000000000000000' },
      body: {},
    });
    expect(unknown.response.status).toBe(404);
    const own = await create(tenantB, '/empty-change', ['*']);
    const empty = await api.updateWebhook({ client: tenantB, path: { id: own.id }, body: {} });
    expect(empty.response.status).toBe(400);
    expect(empty.error).toMatchObject({ errors: [{ field: 'body' }] });
    await api.deleteWebhook({ client: tenantB, path: { id: own.id } });
    const malformed = await api.getWebhook({ client: tenantB, path: { id: 'nope' } });
    expect(malformed.response.status).toBe(400);

    const reader = clientFor(gateway.baseUrl, KEYS.reader);
    expect((await api.listWebhooks({ client: reader })).response.status).toBe(200);
    const denied = await api.createWebhook({
      client: reader,
      body: { url: receiver.url('/r'), events: ['*'] },
    });
    expect(denied.response.status).toBe(403);

    const made: string[] = [];
    for (let i = 0; i < 6; i++) made.push((await create(tenantB, `/cap-${i}`, ['task.failed'])).id);
    const over = await api.createWebhook({
      client: tenantB,
      body: { url: receiver.url('/cap-x'), events: ['*'] },
    });
    expect(over.response.status).toBe(409);
    expect(over.error).toMatchObject({ code: 'conflict' });
    const page = await api.listWebhooks({ client: tenantB, query: { pageSize: 4 } });
    const rest = await api.listWebhooks({
      client: tenantB,
      query: { pageSize: 4, pageToken: page.data!.nextPageToken! },
    });
    expect([...page.data!.items, ...rest.data!.items].map((w) => w.id)).toEqual([...made].reverse());
    expect(rest.data!.nextPageToken).toBeNull();
    for (const id of made) await api.deleteWebhook({ client: tenantB, path: { id } });
  });
});
