import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Ids and catalog picks of one connection, to fill mutating requests with things that exist. */
export interface ConnectionFixture {
  connection: string;
  server: string;
  volume: string;
  network: string;
  ip: string;
  /** An SSH key of the connection, or a made-up id where its backend keeps none. */
  sshKey: string;
  imageId: string;
  planId: string;
}

export interface MutatingRoute {
  operationId: string;
  method: string;
  /** OpenAPI path template, e.g. `/v1/servers/{id}/stop`. */
  path: string;
}

export interface MutatingRequest {
  route: MutatingRoute;
  method: string;
  path: string;
  body?: unknown;
}

const MUTATING = new Set(['post', 'put', 'patch', 'delete']);
/** Issuing an event token is a read (DESIGN: read-only keys may follow events); it is not a mutation. */
const NOT_MUTATIONS = new Set(['/v1/events/tokens']);

/**
 * Collections whose objects belong to an API key or are reached through a task, not to a connection: a key of
 * another connection is refused them as an unknown id (their own suites prove it), not by the id's connection.
 */
const NOT_OF_A_CONNECTION = ['/v1/webhooks', '/v1/tasks'];

/**
 * Every mutating route of the contract, read from openapi/openapi.json (the document clients are built from); with
 * `ofConnections`, only those acting on a connection's resources.
 */
export function mutatingRoutes(ofConnections = false): MutatingRoute[] {
  const document = JSON.parse(
    readFileSync(join(__dirname, '..', '..', 'openapi', 'openapi.json'), 'utf8'),
  ) as {
    paths: Record<string, Record<string, { operationId?: string }>>;
  };
  const routes: MutatingRoute[] = [];
  for (const [path, operations] of Object.entries(document.paths)) {
    if (!path.startsWith('/v1/') || NOT_MUTATIONS.has(path)) continue;
    if (ofConnections && NOT_OF_A_CONNECTION.some((prefix) => path.startsWith(prefix))) continue;
    for (const [method, operation] of Object.entries(operations))
      if (MUTATING.has(method))
        routes.push({ operationId: operation.operationId!, method: method.toUpperCase(), path });
  }
  return routes;
}

/** A body that passes validation for each mutating operation, so that only authorization can refuse it. */
const BODIES: Record<string, (f: ConnectionFixture) => unknown> = {
  createServer: (f) => ({ provider: f.connection, name: 'sec-denied', imageId: f.imageId, planId: f.planId }),
  updateServer: () => ({ name: 'sec-denied' }),
  resizeServer: (f) => ({ planId: f.planId }),
  rebuildServer: (f) => ({ imageId: f.imageId }),
  deleteServer: () => undefined,
  startServer: () => ({}),
  stopServer: () => ({ force: true }),
  rebootServer: () => ({}),
  createVolume: (f) => ({ provider: f.connection, name: 'sec-denied', sizeGb: 10 }),
  deleteVolume: () => undefined,
  updateVolume: () => ({ labels: { sec: 'denied' } }),
  resizeVolume: () => ({ sizeGb: 4096 }),
  attachVolume: (f) => ({ serverId: f.server }),
  detachVolume: () => ({}),
  createNetwork: (f) => ({ provider: f.connection, name: 'sec-denied' }),
  deleteNetwork: () => undefined,
  updateNetwork: () => ({ labels: { sec: 'denied' } }),
  allocateIp: (f) => ({ provider: f.connection, serverId: f.server }),
  releaseIp: () => undefined,
  updateIp: () => ({ labels: { sec: 'denied' } }),
  attachIp: (f) => ({ serverId: f.server }),
  detachIp: () => ({}),
  createSshKey: (f) => ({ provider: f.connection, name: 'sec-denied', publicKey: DENIED_KEY }),
  deleteSshKey: () => undefined,
  cancelTask: () => undefined,
  createWebhook: () => ({ url: 'https://example.com/sec-denied', events: ['*'] }),
  updateWebhook: () => ({ enabled: false }),
  deleteWebhook: () => undefined,
  rotateWebhookSecret: () => undefined,
  testWebhook: () => undefined,
};

/** Well-formed ids of things no test made: enough for a route that must be refused before the id is looked up. */
const MADE_UP_IDS: Record<string, string> = {
  tasks: '01JZZZZZZZZZZZZZZZZZZZZZZZ',
  webhooks: '01JZZZZZZZZZZZZZZZZZZZZZZY',
};

/** A well-formed public key for requests that must be refused for who sends them, never for what. */
const DENIED_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl sec-denied';

const RESOURCE_OF_PATH: Record<string, keyof ConnectionFixture> = {
  servers: 'server',
  volumes: 'volume',
  networks: 'network',
  ips: 'ip',
  'ssh-keys': 'sshKey',
};

/** The request of a route aimed at the resources of one connection (its `{id}` is that connection's). */
export function requestFor(route: MutatingRoute, fixture: ConnectionFixture): MutatingRequest {
  const body = BODIES[route.operationId];
  if (!body) throw new Error(`no request body known for ${route.operationId}: add one to security-routes.ts`);
  const collection = route.path.split('/')[2];
  const id = MADE_UP_IDS[collection] ?? fixture[RESOURCE_OF_PATH[collection]];
  const path = route.path.replace('{id}', () => encodeURIComponent(id));
  return { route, method: route.method, path, body: body(fixture) };
}

/** Sends a request as raw HTTP (any key, any method) and answers status, headers and parsed body. */
export async function send(
  baseUrl: string,
  request: { method: string; path: string; body?: unknown },
  headers: Record<string, string>,
): Promise<{ status: number; contentType: string; body: Record<string, unknown> }> {
  const response = await fetch(`${baseUrl}${request.path}`, {
    method: request.method,
    headers: { ...headers, ...(request.body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}
