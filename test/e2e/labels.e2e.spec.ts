import { Redis } from 'ioredis';
import type { Server, Task } from '../generated/client';
import { api, catalogPicks, clientFor, succeeded, taskOf, type Client } from '../support/api';
import { KEYS, startTestGateway, type TestGateway } from '../support/gateway';

// Labels through the public API (docs/design.md#labels): CloudMC keeps none (the gateway does, a change answers
// 200 at once), IMCO keeps them all (a change is a relabel task); lists filter on them across both.

const CM = 'cm-a';
const IM = 'im-b';

describe('labels (e2e, generated client, real Redis)', () => {
  let gateway: TestGateway;
  let client: Client;
  let redis: Redis;

  const server = async (id: string) => (await api.getServer({ client, path: { id } })).data!;
  const labelled = async (query: { label: string[]; provider?: string; pageSize?: number }) => {
    const ids: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await api.listServers({ client, query: { ...query, pageToken } });
      expect(page.response.status).toBe(200);
      ids.push(...page.data!.items.map((item) => item.id));
      pageToken = page.data!.nextPageToken ?? undefined;
      pages++;
    } while (pageToken && pages < 20);
    return { ids, pages };
  };
  /** PATCH of a server's labels: the answer, and the task when it is one. */
  const relabel = async (id: string, labels: Record<string, string | null>) => {
    const answer = await api.updateServer({ client, path: { id }, body: { labels } });
    return { answer, task: (answer.data as Task | undefined)?.operation ? (answer.data as Task) : null };
  };

  beforeAll(async () => {
    gateway = await startTestGateway({
      connections: [
        { name: CM, kind: 'cloudmc' },
        { name: IM, kind: 'imco' },
      ],
    });
    client = clientFor(gateway.baseUrl, KEYS.admin);
    redis = new Redis(gateway.redisUrl);
  });

  afterAll(async () => {
    redis?.disconnect();
    await gateway?.close();
  });

  it('should say in each capability document who keeps the labels of each type', async () => {
    const [cm, im] = await Promise.all([
      api.getProvider({ client, path: { name: CM } }),
      api.getProvider({ client, path: { name: IM } }),
    ]);
    expect(cm.data!.labels).toMatchObject({
      storage: 'gateway',
      byType: { server: 'gateway', volume: 'gateway', network: 'gateway', ip: 'gateway' },
      reason: expect.any(String),
    });
    expect(cm.data!.operations.find((o) => o.operation === 'server.relabel')).toMatchObject({
      supported: false,
    });
    expect(im.data!.labels).toEqual({
      storage: 'native',
      byType: { server: 'native', volume: 'native', network: 'native', ip: 'native' },
    });
  });

  it('should keep a create’s labels where the gateway keeps them, and change them at once (200) with PATCH', async () => {
    const created = await succeeded(
      client,
      (
        await api.createServer({
          client,
          body: {
            provider: CM,
            name: 'e2e-labelled',
            ...(await catalogPicks(client, CM)),
            labels: { env: 'prod', team: 'web' },
          },
        })
      ).data,
    );
    expect(created.result).toMatchObject({ labels: { env: 'prod', team: 'web' } });
    const id = created.resource.id!;
    expect((await server(id)).labels).toEqual({ env: 'prod', team: 'web' });
    // A cached list holds the labels too.
    expect((await labelled({ label: ['env=prod'], provider: CM })).ids).toEqual([id]);

    const { answer, task } = await relabel(id, { env: 'staging', team: null, tier: 'front' });
    expect(task).toBeNull();
    expect(answer.response.status).toBe(200);
    expect(answer.data).toMatchObject({
      id,
      resourceType: 'server',
      labels: { env: 'staging', tier: 'front' },
      allowedActions: { delete: { allowed: true } },
    });
    // Every read after the 200 shows the change: the item, the cached list, the filter.
    expect((await server(id)).labels).toEqual({ env: 'staging', tier: 'front' });
    expect((await labelled({ label: ['env=prod'], provider: CM })).ids).toEqual([]);
    expect((await labelled({ label: ['env=staging', 'tier'], provider: CM })).ids).toEqual([id]);
    expect(await redis.hget(`gw:labels:{${CM}}:server`, id.slice(CM.length + 1))).toBe(
      JSON.stringify({ env: 'staging', tier: 'front' }),
    );

    // A rename is still a task, and keeps the labels.
    const renamed = await succeeded(
      client,
      taskOf(await api.updateServer({ client, path: { id }, body: { name: 'e2e-renamed' } })),
    );
    expect(renamed).toMatchObject({ operation: 'server.rename', result: { labels: { env: 'staging' } } });

    // Deleted: its labels go with it.
    await succeeded(client, (await api.deleteServer({ client, path: { id } })).data);
    expect(await redis.hexists(`gw:labels:{${CM}}:server`, id.slice(CM.length + 1))).toBe(0);
  });

  it('should refuse a PATCH that changes both, nothing, or breaks the label rules, before anything is done', async () => {
    const id = (await api.listServers({ client, query: { provider: CM } })).data!.items[0].id;
    const refused = async (body: Record<string, unknown>, field: string) => {
      const answer = await api.updateServer({ client, path: { id }, body });
      expect({ body, status: answer.response.status }).toEqual({ body, status: 400 });
      expect(answer.error).toMatchObject({ code: 'validation_failed', errors: [{ field }] });
      return answer.error as { detail: string };
    };
    expect((await refused({ name: 'x', labels: { env: 'prod' } }, 'labels')).detail).toMatch(
      /separate requests/,
    );
    await refused({}, 'name');
    await refused({ labels: {} }, 'labels');
    await refused({ labels: { 'Not a key': 'x' } }, 'labels');
    await refused({ labels: { 'cloudmux.owner': 'x' } }, 'labels');
    await refused({ labels: { env: 'with space' } }, 'labels');
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v']));
    await refused({ labels: many }, 'labels');
    // 20 now and 20 more: each request is valid, the merged set is not.
    const twenty = (prefix: string) =>
      Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`${prefix}${i}`, 'v']));
    expect((await relabel(id, twenty('a'))).answer.response.status).toBe(200);
    expect((await refused({ labels: twenty('b') }, 'labels')).detail).toMatch(
      /at most 32 labels once merged/,
    );
    expect(
      (await relabel(id, Object.fromEntries(Object.keys(twenty('a')).map((k) => [k, null])))).answer.data,
    ).toMatchObject({
      labels: {},
    });
    // A bad filter is a 400 too.
    const filter = await api.listServers({ client, query: { label: ['Bad Key'] } });
    expect(filter.response.status).toBe(400);
    expect(filter.error).toMatchObject({ errors: [{ field: 'label' }] });
  });

  it('should run a relabel task where the backend keeps the labels, the change merged into a fresh read', async () => {
    const { id, labels: before } = (await api.listServers({ client, query: { provider: IM } })).data!
      .items[0];
    const first = await relabel(id, { env: 'prod', team: 'db' });
    expect(first.answer.response.status).toBe(202);
    expect(first.task).toMatchObject({ operation: 'server.relabel', resource: { type: 'server', id } });
    expect((await succeeded(client, first.task!)).result).toMatchObject({
      labels: { env: 'prod', team: 'db' },
    });
    const second = await relabel(id, { team: null, tier: 'back' });
    const done = await succeeded(client, second.task!);
    // What the server carried before stays: the change was merged into what the backend has.
    const after = { ...before, env: 'prod', tier: 'back' };
    expect((done.result as Server).labels).toEqual(after);
    expect((await server(id)).labels).toEqual(after);
    // The backend keeps them: nothing in the gateway's store.
    expect(await redis.exists(`gw:labels:{${IM}}:server`)).toBe(0);
  });

  it('should filter lists by label across both connections, before paging', async () => {
    const batch = (provider: string) => ({ batch: 'b7', [`only-${provider}`]: '' });
    // One server of each connection labelled by a PATCH, one created with the labels (IMCO: on the backend).
    const existing = (await api.listServers({ client, query: {} })).data!.items;
    const picked: Array<{ id: string; name: string }> = [];
    for (const provider of [CM, IM]) {
      const s = existing.find((item) => item.provider === provider)!;
      const { answer, task } = await relabel(s.id, batch(provider));
      if (task) await succeeded(client, task);
      else expect(answer.response.status).toBe(200);
      picked.push(s);
      const body = { provider, name: `e2e-b7-${provider}`, ...(await catalogPicks(client, provider)) };
      const created = await succeeded(
        client,
        (await api.createServer({ client, body: { ...body, labels: batch(provider) } })).data,
      );
      expect(created.result).toMatchObject({ labels: batch(provider) });
      picked.push({ id: created.resource.id!, name: body.name });
    }
    // Connection, then native id: the list's own order.
    const split = (id: string) => [id.slice(0, id.indexOf(':')), id.slice(id.indexOf(':') + 1)];
    const order = (a: string, b: string) => {
      const [[pa, na], [pb, nb]] = [split(a), split(b)];
      return pa < pb ? -1 : pa > pb ? 1 : na < nb ? -1 : na > nb ? 1 : 0;
    };
    const expected = picked.map((s) => s.id).sort(order);
    const paged = await labelled({ label: ['batch=b7'], pageSize: 1 });
    expect(paged.ids).toEqual(expected);
    expect(paged.pages).toBe(4);
    expect((await labelled({ label: ['batch'], pageSize: 3 })).ids).toEqual(expected);
    expect((await labelled({ label: ['batch=b7', `only-${IM}`] })).ids).toEqual(
      expected.filter((id) => id.startsWith(`${IM}:`)),
    );
    expect((await labelled({ label: ['batch=b8'] })).ids).toEqual([]);
    // Combined with the other filters.
    expect((await labelled({ label: ['batch=b7'], provider: CM })).ids).toEqual(
      expected.filter((id) => id.startsWith(`${CM}:`)),
    );
    const named = await api.listServers({ client, query: { label: ['batch=b7'], name: picked[0].name } });
    expect(named.data!.items.map((s) => s.id)).toContain(picked[0].id);
    // A page token belongs to its filters.
    const page = await api.listServers({ client, query: { label: ['batch=b7'], pageSize: 1 } });
    const other = await api.listServers({
      client,
      query: { label: ['batch'], pageSize: 1, pageToken: page.data!.nextPageToken! },
    });
    expect(other.response.status).toBe(400);
  });

  it('should keep labels of volumes, networks and IP addresses, and drop them when the resource goes', async () => {
    const network = await succeeded(
      client,
      (
        await api.createNetwork({
          client,
          body: { provider: CM, name: 'e2e-lnet', cidr: '10.77.0.0/24', labels: { env: 'qa' } },
        })
      ).data,
    );
    const id = network.resource.id!;
    expect(network.result).toMatchObject({ labels: { env: 'qa' } });
    const patched = await api.updateNetwork({ client, path: { id }, body: { labels: { owner: 'ops' } } });
    expect(patched.response.status).toBe(200);
    expect(patched.data).toMatchObject({ resourceType: 'network', labels: { env: 'qa', owner: 'ops' } });
    expect(
      (await api.listNetworks({ client, query: { label: ['owner=ops'] } })).data!.items.map((n) => n.id),
    ).toEqual([id]);
    await succeeded(client, (await api.deleteNetwork({ client, path: { id } })).data);
    expect(await redis.hexists(`gw:labels:{${CM}}:network`, network.resource.id!.slice(CM.length + 1))).toBe(
      0,
    );

    const ip = (await api.listIps({ client, query: { provider: CM } })).data!.items[0];
    const ipPatched = await api.updateIp({
      client,
      path: { id: ip.id },
      body: { labels: { role: 'ingress' } },
    });
    expect(ipPatched.data).toMatchObject({ resourceType: 'ip', labels: { role: 'ingress' } });
    const volume = (await api.listVolumes({ client, query: { provider: CM } })).data!.items[0];
    const volPatched = await api.updateVolume({
      client,
      path: { id: volume.id },
      body: { labels: { tier: 'ssd' } },
    });
    expect(volPatched.data).toMatchObject({ resourceType: 'volume', labels: { tier: 'ssd' } });
    expect((await api.getVolume({ client, path: { id: volume.id } })).data!.labels).toEqual({ tier: 'ssd' });
  });

  it('should answer a PATCH of another tenant’s resource as for an unknown one', async () => {
    const id = (await api.listServers({ client, query: { provider: CM } })).data!.items[0].id;
    const tenantB = clientFor(gateway.baseUrl, KEYS.tenantB);
    const foreign = await api.updateServer({ client: tenantB, path: { id }, body: { labels: { x: 'y' } } });
    expect(foreign.response.status).toBe(404);
    const reader = clientFor(gateway.baseUrl, KEYS.reader);
    expect(
      (await api.updateServer({ client: reader, path: { id }, body: { labels: { x: 'y' } } })).response
        .status,
    ).toBe(403);
    expect((await server(id)).labels).not.toHaveProperty('x');
  });
});
