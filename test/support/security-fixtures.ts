import type { Redis } from 'ioredis';
import type { SimulatorHandle } from '../../sandbox/simulators/common/simulator';
import { api, catalogPicks, type Client } from './api';
import { sim } from './gateway';
import type { ConnectionFixture } from './security-routes';

/** One existing row of every resource type of a connection, and a catalog pick, as the admin sees them. */
export async function loadFixture(admin: Client, connection: string): Promise<ConnectionFixture> {
  const query = { provider: connection };
  const [servers, volumes, networks, ips, sshKeys, picks] = await Promise.all([
    api.listServers({ client: admin, query }),
    api.listVolumes({ client: admin, query }),
    api.listNetworks({ client: admin, query }),
    api.listIps({ client: admin, query }),
    api.listSshKeys({ client: admin, query }),
    catalogPicks(admin, connection),
  ]);
  const first = (items: Array<{ id: string }> | undefined, type: string) => {
    if (!items?.length) throw new Error(`${connection} has no ${type} to test with`);
    return items[0].id;
  };
  return {
    connection,
    server: first(servers.data?.items, 'server'),
    volume: first(volumes.data?.items, 'volume'),
    network: first(networks.data?.items, 'network'),
    ip: first(ips.data?.items, 'ip'),
    sshKey: sshKeys.data?.items[0]?.id ?? `${connection}:sec-no-key`,
    ...picks,
  };
}

/** Backend requests that change something (logins excluded: a session may be renewed at any time). */
export async function backendWrites(handle: SimulatorHandle): Promise<number> {
  const { requests } = (await sim(handle, 'GET', '/stats')) as { requests: Record<string, number> };
  let writes = 0;
  for (const [key, count] of Object.entries(requests)) {
    const [method, route] = key.split(' ');
    if (route.startsWith('/auth/')) continue;
    // CloudSigma 1.0 also takes its commands as GET (start, stop, destroy...).
    const command = /\/(create|destroy|start|stop|shutdown|reset|set|clone)(\/|$)/.test(route);
    if (!['GET', 'HEAD'].includes(method) || command) writes += count;
  }
  return writes;
}

/** How many task records Redis holds. */
export async function storedTasks(redis: Redis): Promise<number> {
  return (await redis.keys('gw:{*}:task:*')).length;
}
