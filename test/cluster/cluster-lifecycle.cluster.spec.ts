import { Cluster } from 'ioredis';
import { api, catalogPicks, clientFor, succeeded, type Client } from '../support/api';
import { KEYS, startTestGateway, type TestGateway } from '../support/gateway';
import { startRedisCluster, type RedisClusterHandle } from '../support/redis-topology';
import { openEvents } from '../support/sse';

/**
 * A gateway on a local three-shard Redis Cluster (docs/design.md#redis-topology), the path CI runs: every
 * connection's keys in its own slot, connections spread over the shards, and the API unchanged on top.
 * The connection names are picked to fall on different shards of `redis-cli --cluster create`'s even split
 * (slots 0–5460, 5461–10922, 10923–16383): cloudsigma 275, cloudmc 7022, dcimanager 10681, imco 12463.
 */
const CONNECTIONS = [
  { name: 'cloudmc', kind: 'cloudmc' },
  { name: 'cloudsigma', kind: 'cloudsigma' },
  { name: 'dcimanager', kind: 'dcimanager' },
  { name: 'imco', kind: 'imco' },
];
const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE2eTestKeyForTheGateway cluster@example.test';

describe('a gateway on a three-shard Redis Cluster (cluster)', () => {
  let cluster: RedisClusterHandle;
  let gateway: TestGateway;
  let client: Client;
  let redis: Cluster;

  beforeAll(async () => {
    cluster = await startRedisCluster({ shards: 3 });
    gateway = await startTestGateway({
      connections: CONNECTIONS,
      redis: {
        topology: {
          kind: 'cluster',
          nodes: cluster.ports.map((port) => ({ host: '127.0.0.1', port })),
        },
        tls: false,
      },
    });
    client = clientFor(gateway.baseUrl, KEYS.admin);
    redis = new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })));
  });

  afterAll(async () => {
    redis?.disconnect();
    await gateway?.close();
    await cluster?.stop();
  });

  /** A create body each backend accepts: DCImanager takes a stock server of a location, with an SSH key. */
  async function createBody(connection: string, kind: string) {
    const picks = await catalogPicks(client, connection);
    if (kind !== 'dcimanager') return { provider: connection, name: `cl-${kind}`, ...picks };
    const locations = await api.listProviderLocations({ client, path: { name: connection } });
    return {
      provider: connection,
      name: `cl-${kind}`,
      ...picks,
      locationId: locations.data!.items[0].id,
      sshPublicKeys: [SSH_KEY],
    };
  }

  it('should create, reboot and delete a server on each of the four backends, one task and one terminal event each', async () => {
    const stream = await openEvents(`${gateway.baseUrl}/v1/events`, {
      Authorization: `Bearer ${KEYS.admin}`,
    });
    expect(stream.status).toBe(200);

    const taskIds = await Promise.all(
      CONNECTIONS.map(async ({ name, kind }) => {
        const created = await succeeded(
          client,
          (await api.createServer({ client, body: await createBody(name, kind) })).data,
        );
        const id = created.resource.id!;
        expect(id.startsWith(`${name}:`)).toBe(true);
        const rebooted = await succeeded(client, (await api.rebootServer({ client, path: { id } })).data);
        expect(rebooted.result).toMatchObject({ state: 'running' });
        const deleted = await succeeded(client, (await api.deleteServer({ client, path: { id } })).data);
        expect((await api.getServer({ client, path: { id } })).response.status).toBe(404);
        return [created.id, rebooted.id, deleted.id];
      }),
    );
    const ids = taskIds.flat();

    // /v1/events merges the connections' streams, each on its own shard: every task's end arrives, once.
    const events = await stream.until((all) => {
      const ended = new Set(
        all.filter((e) => e.event === 'task.succeeded').map((e) => (JSON.parse(e.data) as { id: string }).id),
      );
      return ids.every((id) => ended.has(id));
    });
    stream.close();
    for (const id of ids) {
      const terminal = events.filter(
        (e) => /^task\.(succeeded|failed|canceled)$/.test(e.event ?? '') && JSON.parse(e.data).id === id,
      );
      expect(terminal.map((e) => e.event)).toEqual(['task.succeeded']);
    }

    // /v1/tasks fans out over the connections, newest first, paged.
    const listed: string[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < 20; page++) {
      const answer = await api.listTasks({
        client,
        query: { pageSize: 5, ...(pageToken ? { pageToken } : {}) },
      });
      expect(answer.response.status).toBe(200);
      listed.push(...answer.data!.items.map((task) => task.id));
      pageToken = answer.data!.nextPageToken ?? undefined;
      if (!pageToken) break;
    }
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual([...ids].sort());
    expect(listed).toEqual([...listed].sort().reverse());
    const perConnection = await api.listTasks({ client, query: { provider: 'imco' } });
    expect(perConnection.data!.items.every((task) => task.provider === 'imco')).toBe(true);
    expect(perConnection.data!.items).toHaveLength(3);
  });

  it("should keep every key of a connection in that connection's slot, and spread the connections over the shards", async () => {
    const masters = redis.nodes('master');
    const keysByNode = await Promise.all(
      masters.map(async (node) => {
        const found: string[] = [];
        let cursor = '0';
        do {
          const [next, batch] = await node.scan(cursor, 'COUNT', 1000);
          found.push(...batch);
          cursor = next;
        } while (cursor !== '0');
        return found;
      }),
    );
    const slotOf = (key: string) => redis.cluster('KEYSLOT', key);
    const shardsWithData = keysByNode.filter((found) => found.length > 0).length;
    expect(shardsWithData).toBeGreaterThanOrEqual(2);

    const shardsOfConnections = new Set<number>();
    for (const { name } of CONNECTIONS) {
      const slot = await slotOf(name);
      const mine = keysByNode.flatMap((found, shard) =>
        found
          .filter((key) => key.includes(`{${name}}`) || new RegExp(`[:{]${name}[:}]`).test(key))
          .map((key) => ({ key, shard })),
      );
      // Tasks, events, queue, cache, labels, history...: plenty of keys, every one in the connection's slot.
      expect(mine.length).toBeGreaterThan(5);
      for (const { key } of mine) expect([key, await slotOf(key)]).toEqual([key, slot]);
      const shards = new Set(mine.map((entry) => entry.shard));
      expect(shards.size).toBe(1);
      shardsOfConnections.add([...shards][0]);
    }
    expect(shardsOfConnections.size).toBeGreaterThanOrEqual(2);
  });
});
