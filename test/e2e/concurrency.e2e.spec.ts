import type { Task } from '../generated/client';
import { api, catalogPicks, clientFor, succeeded, taskOf, type Client } from '../support/api';
import { KEYS, startTestGateway, type TestGateway } from '../support/gateway';

// Optimistic concurrency (docs/design.md#optimistic-concurrency): single reads carry a strong ETag, If-None-Match
// answers 304, mutations under a stale If-Match answer 412 before any task exists. And every task names who asked
// for it by the API key's configured name. CloudMC: the gateway keeps labels; IMCO: the backend does (a task).

const CM = 'cm-a';
const IM = 'im-b';
const TAG = /^"[A-Za-z0-9_-]{22}"$/;

describe('optimistic concurrency and actor (e2e)', () => {
  let gateway: TestGateway;
  let client: Client;
  let cmServer: string;
  let imServer: string;

  /** A fresh GET of a server: its ETag and body. */
  const read = async (id: string) => {
    const answer = await api.getServer({ client, path: { id }, query: { fresh: true } });
    expect(answer.response.status).toBe(200);
    return { etag: answer.response.headers.get('etag')!, server: answer.data! };
  };
  const tasksOf = async (id: string) =>
    (await api.listTasks({ client, query: { resourceId: id } })).data!.items.map((task) => task.id);

  const created = async (provider: string, name: string) =>
    succeeded(
      client,
      (
        await api.createServer({
          client,
          body: { provider, name, ...(await catalogPicks(client, provider)) },
          // Ignored on a create: nothing has a version yet.
          headers: { 'If-Match': '"no-such-version"' },
        })
      ).data,
    );

  beforeAll(async () => {
    gateway = await startTestGateway({
      connections: [
        { name: CM, kind: 'cloudmc' },
        { name: IM, kind: 'imco' },
      ],
    });
    client = clientFor(gateway.baseUrl, KEYS.admin);
    [cmServer, imServer] = (await Promise.all([created(CM, 'e2e-etag-cm'), created(IM, 'e2e-etag-im')])).map(
      (task) => task.resource.id!,
    );
  });

  afterAll(() => gateway?.close());

  it('should give a single read a strong ETag that stays while nothing changes, and 304 to If-None-Match', async () => {
    const first = await api.getServer({ client, path: { id: cmServer } });
    const etag = first.response.headers.get('etag')!;
    expect(etag).toMatch(TAG);
    // What the gateway observed, not when: a read past the cache has the same version.
    expect((await read(cmServer)).etag).toBe(etag);

    for (const condition of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const again = await api.getServer({
        client,
        path: { id: cmServer },
        headers: { 'If-None-Match': condition },
      });
      expect(again.response.status).toBe(304);
      expect(again.response.headers.get('etag')).toBe(etag);
      expect(await again.response.clone().text()).toBe('');
    }
    const other = await api.getServer({
      client,
      path: { id: cmServer },
      headers: { 'If-None-Match': '"other"' },
    });
    expect(other.response.status).toBe(200);
    expect(other.data).toMatchObject({ id: cmServer });
  });

  it('should carry an ETag on the reads of every resource type, and none on lists', async () => {
    const network = await succeeded(
      client,
      (await api.createNetwork({ client, body: { provider: CM, name: 'e2e-etag-net' } })).data,
    );
    const id = network.resource.id!;
    const answer = await api.getNetwork({ client, path: { id } });
    expect(answer.response.headers.get('etag')).toMatch(TAG);
    const list = await api.listServers({ client, query: { provider: CM } });
    expect(list.response.headers.get('etag')).toBeNull();
    expect(Object.keys(list.data!.items[0])).not.toContain('etag');
  });

  it('should refuse a mutation under a stale If-Match with 412 and no task, and take the current one or *', async () => {
    const before = await read(cmServer);
    const stopped = await api.stopServer({
      client,
      path: { id: cmServer },
      body: { force: false },
      headers: { 'If-Match': before.etag },
    });
    expect(stopped.response.status).toBe(202);
    await succeeded(client, stopped.data);

    const after = await read(cmServer);
    expect(after.server.state).toBe('stopped');
    expect(after.etag).not.toBe(before.etag);

    const known = await tasksOf(cmServer);
    const stale = await api.startServer({
      client,
      path: { id: cmServer },
      headers: { 'If-Match': before.etag },
    });
    expect(stale.response.status).toBe(412);
    expect(stale.error).toMatchObject({ code: 'precondition_failed', status: 412 });
    // A weak tag never matches a strong comparison.
    const weak = await api.startServer({
      client,
      path: { id: cmServer },
      headers: { 'If-Match': `W/${after.etag}` },
    });
    expect(weak.response.status).toBe(412);
    expect(await tasksOf(cmServer)).toEqual(known);

    const current = await api.startServer({
      client,
      path: { id: cmServer },
      headers: { 'If-Match': after.etag },
    });
    expect(current.response.status).toBe(202);
    await succeeded(client, current.data);

    const any = await api.rebootServer({ client, path: { id: cmServer }, headers: { 'If-Match': '*' } });
    expect(any.response.status).toBe(202);
    await succeeded(client, any.data);
    expect(await tasksOf(cmServer)).toHaveLength(known.length + 2);
  });

  it('should answer 404, not 412, under If-Match for a resource that is gone', async () => {
    const gone = await api.startServer({
      client,
      path: { id: `${CM}:no-such-server` },
      headers: { 'If-Match': '*' },
    });
    expect(gone.response.status).toBe(404);
  });

  it('should honour If-Match on a change of labels the gateway keeps, and answer the new ETag', async () => {
    const before = await read(cmServer);
    const changed = await api.updateServer({
      client,
      path: { id: cmServer },
      body: { labels: { env: 'prod' } },
      headers: { 'If-Match': before.etag },
    });
    expect(changed.response.status).toBe(200);
    const etag = changed.response.headers.get('etag')!;
    expect(etag).toMatch(TAG);
    expect(etag).not.toBe(before.etag);
    // The 200's tag is the version a read shows now.
    expect((await read(cmServer)).etag).toBe(etag);

    const stale = await api.updateServer({
      client,
      path: { id: cmServer },
      body: { labels: { env: 'staging' } },
      headers: { 'If-Match': before.etag },
    });
    expect(stale.response.status).toBe(412);
    expect(stale.error).toMatchObject({ code: 'precondition_failed' });
    expect((await read(cmServer)).server.labels).toEqual({ env: 'prod' });
  });

  it('should honour If-Match on a relabel task where the backend keeps labels', async () => {
    const before = await read(imServer);
    const relabel = taskOf(
      await api.updateServer({
        client,
        path: { id: imServer },
        body: { labels: { env: 'prod' } },
        headers: { 'If-Match': before.etag },
      }),
    );
    await succeeded(client, relabel);
    const known = await tasksOf(imServer);
    const stale = await api.updateServer({
      client,
      path: { id: imServer },
      body: { labels: { env: 'staging' } },
      headers: { 'If-Match': before.etag },
    });
    expect(stale.response.status).toBe(412);
    expect(await tasksOf(imServer)).toEqual(known);
  });

  it("should record the API key's configured name as the actor of every task, never the key", async () => {
    const tenant = clientFor(gateway.baseUrl, KEYS.tenantA);
    const theirs = await api.createNetwork({ client: tenant, body: { provider: CM, name: 'e2e-actor' } });
    expect(theirs.data!.actor).toEqual({ keyName: 'tenant-a' });
    const done = await succeeded(tenant, theirs.data);
    expect(done.actor).toEqual({ keyName: 'tenant-a' });

    const mine = (await api.listTasks({ client, query: { resourceId: cmServer } })).data!.items;
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((task: Task) => task.actor?.keyName === 'admin')).toBe(true);

    const everything = JSON.stringify([
      done,
      mine,
      (await api.listTasks({ client, query: { provider: CM } })).data,
    ]);
    for (const key of Object.values(KEYS)) expect(everything).not.toContain(key);
  });
});
