import type { Task } from '../generated/client';
import { api, catalogPicks, renameServer, succeeded, waitForTask, type Client } from './api';
import { sim } from './gateway';
import type { Kind, SecurityGateway } from './security-gateway';

// A realistic day on one backend through the public API: lifecycles, a backend failure, refused credentials
// and bad requests, so that every path a secret could take out of the gateway is walked at least once.

/**
 * Secrets a client hands over: in `providerOptions` the OS root password (DCImanager) and VNC (CloudSigma); and
 * `userData` (cloud-init text, often with passwords in it) where the connection takes it.
 */
export interface ClientSecrets {
  rootPassword: string;
  vncPassword: string;
  userData: string;
}

type Accepted = { data?: Task; error?: unknown };

const taskOf = (accepted: Accepted): Task => {
  if (!accepted.data) throw new Error(`mutation refused: ${JSON.stringify(accepted.error)}`);
  return accepted.data;
};

/** Whether the connection takes `userData` (its capability document says so). */
export async function takesUserData(client: Client, connection: string): Promise<boolean> {
  return !!(await api.getProvider({ client, path: { name: connection } })).data?.features.userData.supported;
}

/**
 * A create body that works on the backend, carrying the client secrets its provider options accept, and the
 * user-data where the connection takes it.
 */
export async function serverBody(
  client: Client,
  kind: Kind,
  connection: string,
  secrets: ClientSecrets,
  name: string,
) {
  const userData = (await takesUserData(client, connection)) ? { userData: secrets.userData } : {};
  return { ...(await bareServerBody(client, kind, connection, secrets, name)), ...userData };
}

async function bareServerBody(
  client: Client,
  kind: Kind,
  connection: string,
  secrets: ClientSecrets,
  name: string,
) {
  if (kind === 'dcimanager') {
    const [images, plans, locations] = await Promise.all([
      api.listProviderImages({ client, path: { name: connection } }),
      api.listProviderPlans({ client, path: { name: connection } }),
      api.listProviderLocations({ client, path: { name: connection } }),
    ]);
    return {
      provider: connection,
      name,
      imageId: images.data!.items.find((i) => i.name.startsWith('Debian'))!.id,
      planId: [...plans.data!.items].sort((a, b) => (b.available ?? 0) - (a.available ?? 0))[0].id,
      locationId: locations.data!.items[0].id,
      providerOptions: { password: secrets.rootPassword },
    };
  }
  const picks = await catalogPicks(client, connection);
  if (kind === 'cloudsigma')
    return { provider: connection, name, ...picks, providerOptions: { vncPassword: secrets.vncPassword } };
  return { provider: connection, name, ...picks };
}

/** Create, power, rename, volumes, addresses (networks and attachments in the full run), delete. */
export async function lifecycle(
  client: Client,
  kind: Kind,
  connection: string,
  secrets: ClientSecrets,
  full: boolean,
): Promise<Task[]> {
  const done: Task[] = [];
  const run = async (accepted: Accepted) => {
    const task = await succeeded(client, taskOf(accepted));
    done.push(task);
    return task;
  };
  const caps = (await api.getProvider({ client, path: { name: connection } })).data!.capabilities;
  const body = await serverBody(client, kind, connection, secrets, 'sec-life');
  const server = (await run(await api.createServer({ client, body }))).resource.id!;
  const id = { id: server };
  await run(await api.stopServer({ client, path: id, body: kind === 'dcimanager' ? { force: true } : {} }));
  await run(await api.startServer({ client, path: id }));
  await run(await renameServer({ client, path: id, body: { name: 'sec-renamed' } }));
  if (full) await run(await api.rebootServer({ client, path: id }));

  if (caps.includes('volume.create')) {
    // CloudMC makes data volumes attached to an instance; the others make them loose.
    const body = {
      provider: connection,
      name: 'sec-vol',
      sizeGb: kind === 'cloudsigma' ? 2 : 10,
      ...(kind === 'cloudmc' ? { serverId: server } : {}),
    };
    const created = await run(await api.createVolume({ client, body }));
    const volume = { id: created.resource.id! };
    let attached = (created.result as { serverId?: string | null } | null)?.serverId != null;
    if (full && !attached && caps.includes('volume.attach')) {
      await run(await api.attachVolume({ client, path: volume, body: { serverId: server } }));
      attached = true;
    }
    if (attached) await run(await api.detachVolume({ client, path: volume }));
    await run(await api.deleteVolume({ client, path: volume }));
  }
  if (caps.includes('ip.allocate')) {
    const body = { provider: connection, ...(kind === 'dcimanager' ? { serverId: server } : {}) };
    const ip = { id: (await run(await api.allocateIp({ client, body }))).resource.id! };
    if (full && caps.includes('ip.attach')) {
      await run(await api.attachIp({ client, path: ip, body: { serverId: server } }));
      await run(await api.detachIp({ client, path: ip }));
    }
    await run(await api.releaseIp({ client, path: ip }));
  }
  if (full && caps.includes('network.create')) {
    const body = {
      provider: connection,
      name: 'sec-net',
      ...(kind === 'imco' ? { cidr: '10.42.0.0/16' } : {}),
    };
    const network = { id: (await run(await api.createNetwork({ client, body }))).resource.id! };
    await run(await api.deleteNetwork({ client, path: network }));
  }
  await run(await api.deleteServer({ client, path: id }));
  return done;
}

/**
 * One operation the backend fails (its own failure switches, or an injected error status), through the
 * path a secret is most likely to take: DCImanager fails the OS install of a server created with a root
 * password.
 */
export async function backendFailure(
  gw: SecurityGateway,
  client: Client,
  kind: Kind,
  connection: string,
  secrets: ClientSecrets,
): Promise<Task> {
  const volume = () =>
    api.createVolume({
      client,
      body: { provider: connection, name: 'sec-doomed', sizeGb: kind === 'cloudsigma' ? 2 : 10 },
    });
  let accepted: Accepted;
  if (kind === 'cloudmc') {
    await sim(gw.sims.cloudmc, 'POST', '/config', { failOperations: { 'networks.create': 1 } });
    accepted = await api.createNetwork({ client, body: { provider: connection, name: 'sec-doomed' } });
  } else if (kind === 'cloudsigma') {
    await sim(gw.sims.cloudsigma, 'POST', '/faults', {
      action: 'error',
      status: 402,
      path: '/drives/create',
      count: 1,
    });
    accepted = await volume();
  } else if (kind === 'imco') {
    await sim(gw.sims.imco, 'POST', '/config', { failNext: { 'volumes.create': 1 } });
    accepted = await volume();
  } else {
    await sim(gw.sims.dcimanager, 'POST', '/config', { failOperations: { operation_os: 1 } });
    const body = await serverBody(client, kind, connection, secrets, 'sec-doomed');
    accepted = await api.createServer({ client, body });
  }
  return waitForTask(client, taskOf(accepted).id, 60);
}

/**
 * The backend refuses the gateway's credentials (401 on every call; DCImanager's sessions end first, so the
 * gateway logs in again and is refused): a fresh list, a get and a mutation go through it.
 */
export async function refusedCredentials(
  gw: SecurityGateway,
  client: Client,
  kind: Kind,
  connection: string,
  message = 'Authentication failed',
): Promise<{ codes: string[]; task: Task; recovered: string }> {
  const handle = gw.sims[kind];
  const servers = await api.listServers({ client, query: { provider: connection } });
  const serverId = servers.data!.items[0].id;
  if (kind === 'dcimanager') await sim(handle, 'POST', '/config', { expireSessions: true });
  await sim(handle, 'POST', '/faults', { action: 'error', status: 401, message });
  try {
    const codes: string[] = [];
    const list = await api.listServers({ client, query: { provider: connection, fresh: true } });
    codes.push(...list.data!.providers.map((p) => p.error?.code ?? p.status));
    const one = await api.getServer({ client, path: { id: serverId }, query: { fresh: true } });
    codes.push(String((one.error as { code?: string } | undefined)?.code ?? one.response.status));
    const task = await waitForTask(
      client,
      taskOf(await renameServer({ client, path: { id: serverId }, body: { name: 'sec-refused' } })).id,
      60,
    );
    codes.push(task.error?.code ?? task.status);
    await sim(handle, 'DELETE', '/faults');
    // Credentials fixed: the gateway gets through again (DCImanager: with a new session).
    const again = await api.listServers({ client, query: { provider: connection, fresh: true } });
    return { codes, task, recovered: again.data!.providers[0].status };
  } finally {
    await sim(handle, 'DELETE', '/faults');
  }
}

/** Requests the gateway refuses, some of which echo what they were sent. */
export async function badRequests(
  baseUrl: string,
  record: typeof fetch,
  keys: { admin: string; cloudmcApiKey: string; basicHeader: string; eventToken: string },
  connections: Record<Kind, string>,
  secrets: ClientSecrets,
): Promise<number[]> {
  const call = (path: string, init: RequestInit & { key?: string; auth?: string } = {}) =>
    record(`${baseUrl}${path}`, {
      ...init,
      headers: {
        ...(init.body ? { 'content-type': 'application/json' } : {}),
        ...(init.auth === '' ? {} : { Authorization: init.auth ?? `Bearer ${init.key ?? keys.admin}` }),
      },
    }).then((response) => response.status);
  const json = (value: unknown) => JSON.stringify(value);
  return Promise.all([
    // Client secrets in requests refused for another reason.
    call('/v1/servers', {
      method: 'POST',
      body: json({
        provider: connections.dcimanager,
        name: 'x',
        imageId: 'not an id!',
        planId: 'x',
        providerOptions: { password: secrets.rootPassword },
      }),
    }),
    call('/v1/servers', {
      method: 'POST',
      body: json({
        provider: connections.cloudsigma,
        name: 'x',
        imageId: 'x',
        providerOptions: { vncPassword: secrets.vncPassword, colour: 'blue' },
      }),
    }),
    call('/v1/servers', {
      method: 'POST',
      body: json({
        provider: connections.dcimanager,
        name: 'x',
        imageId: 'x',
        providerOptions: { password: 'short' },
      }),
    }),
    // User-data where the connection takes none (501), with a broken reference (400), and far too long (400).
    call('/v1/servers', {
      method: 'POST',
      body: json({ provider: connections.dcimanager, name: 'x', imageId: 'x', userData: secrets.userData }),
    }),
    call('/v1/servers', {
      method: 'POST',
      body: json({
        provider: connections.cloudmc,
        name: 'x',
        imageId: 'not an id!',
        userData: secrets.userData,
      }),
    }),
    call('/v1/servers', {
      method: 'POST',
      body: json({
        provider: connections.cloudmc,
        name: 'x',
        imageId: 'x',
        userData: `${secrets.userData}\n${'#'.repeat(2_000_000)}`,
      }),
    }),
    call(`/v1/servers/${connections.cloudmc}:x/rebuild`, {
      method: 'POST',
      body: json({ imageId: 'x', userData: secrets.userData }),
    }),
    // Echoed input: ids, fields, query values.
    call(`/v1/servers/${connections.cloudmc}:${'%21'.repeat(5)}`),
    call('/v1/networks', {
      method: 'POST',
      body: json({ provider: connections.cloudmc, name: 5, colour: 'red' }),
    }),
    call(`/v1/servers?pageSize=9999&state=sleepy&provider=${connections.imco}`),
    // An event token in a URL the gateway refuses (logged with its query string, unlike an open stream).
    call(`/v1/events?access_token=${keys.eventToken}&provider=sec-nowhere`, { auth: '' }),
    call(`/v1/events?access_token=${keys.eventToken}&lastEventId=yesterday`, { auth: '' }),
    call(`/v1/servers?access_token=${keys.eventToken}`, { auth: '' }),
    // A client that sends a provider credential where its API key belongs.
    call('/v1/servers', { key: keys.cloudmcApiKey }),
    call('/v1/servers', { auth: keys.basicHeader }),
  ]);
}
