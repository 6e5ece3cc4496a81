import type { FastifyInstance, FastifyRequest } from 'fastify';
import { registerBodyParsers } from './dcimanager-sim.body';
import { authRoutes, registerSessionCheck, requestUser } from './dcimanager-sim.auth';
import { DCI_CODES, DciSimError, errorBody, notFound } from './dcimanager-sim.errors';
import { allocateIp, releaseIp } from './dcimanager-sim.ips';
import type { ServerRecord } from './dcimanager-sim.model';
import { clearDisks, diagnose, installOs } from './dcimanager-sim.operations';
import { type ListQuery, type Row, listEnvelope } from './dcimanager-sim.query';
import { renderIp, renderIpnet, renderServer } from './dcimanager-sim.render';
import {
  type PowerAction,
  assignOwner,
  editServer,
  powerAction,
  releaseOwner,
  suspendAction,
} from './dcimanager-sim.servers';
import type { DciSimState } from './dcimanager-sim.state';

type IdRequest = FastifyRequest<{ Params: { id: string }; Querystring: ListQuery }>;
const POWER: PowerAction[] = ['power_on', 'power_off', 'power_reset'];

/**
 * Registers the DCImanager API on the simulator's app, under `/api` and without a prefix
 * (docs/providers/dcimanager.md#urls-and-transport).
 */
export function registerDciRoutes(app: FastifyInstance, state: DciSimState): void {
  registerBodyParsers(app);
  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof DciSimError) return reply.status(error.status).send(errorBody(error));
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    const wrapped =
      status >= 400 && status < 500
        ? new DciSimError(status, DCI_CODES.INVALID_VALUE, (error as Error).message, {})
        : new DciSimError(500, DCI_CODES.UNEXPECTED, 'Internal error', {});
    return reply.status(wrapped.status).send(errorBody(wrapped));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(errorBody(notFound('path', request.url.split('?')[0]))),
  );
  registerSessionCheck(app, state);
  const routes = async (scope: FastifyInstance) => {
    authRoutes(scope, state);
    serverRoutes(scope, state);
    catalogRoutes(scope, state);
  };
  void app.register(routes, { prefix: '/api' });
  void app.register(routes);
}

/**
 * A server the caller may act on: administrators reach all, users only their own
 * (docs/providers/dcimanager.md#users-and-ownership).
 */
function serverFor(state: DciSimState, request: IdRequest): ServerRecord {
  const server = state.requireServer(request.params.id);
  const user = requestUser(request);
  if (user.role !== '@admin' && server.ownerId !== user.id) throw notFound('server', request.params.id);
  return server;
}

function serverRows(state: DciSimState, request: FastifyRequest): Row[] {
  const user = requestUser(request);
  return [...state.servers.values()]
    .filter((s) => user.role === '@admin' || s.ownerId === user.id)
    .map((s) => renderServer(state, s));
}

function serverRoutes(app: FastifyInstance, state: DciSimState): void {
  const max = () => state.config.maxPageSize;
  app.get('/dci/v3/server', async (request: FastifyRequest<{ Querystring: ListQuery }>) => ({
    last_notify: state.lastNotify,
    ...listEnvelope(serverRows(state, request), request.query, max()),
  }));
  app.get('/dci/v3/server/configuration', async (request: FastifyRequest<{ Querystring: ListQuery }>) => {
    const counts = new Map<string, number>();
    for (const server of state.servers.values()) {
      if (!server.configuration) continue;
      const free = server.ownerId === null && !server.isNew ? 1 : 0;
      counts.set(server.configuration, (counts.get(server.configuration) ?? 0) + free);
    }
    const rows = [...counts].map(([configuration, free]) => ({ configuration, free_server_count: free }));
    return listEnvelope(rows, { orderby: 'configuration asc', ...request.query }, max());
  });
  app.get('/dci/v3/server/:id', async (request: IdRequest) => renderServer(state, serverFor(state, request)));
  app.post('/dci/v3/server/:id', async (request: IdRequest) =>
    editServer(state, serverFor(state, request), request.body),
  );
  for (const action of POWER) {
    app.post(`/dci/v3/server/:id/${action}`, async (request: IdRequest) =>
      powerAction(state, serverFor(state, request), action),
    );
  }
  app.post('/dci/v3/server/:id/suspend', async (request: IdRequest) =>
    suspendAction(state, serverFor(state, request), false),
  );
  app.post('/dci/v3/server/:id/resume', async (request: IdRequest) =>
    suspendAction(state, serverFor(state, request), true),
  );
  app.post('/dci/v3/server/:id/operation_os', async (request: IdRequest) =>
    installOs(state, serverFor(state, request), request.body),
  );
  app.post('/dci/v3/server/:id/operation_clear_hdd', async (request: IdRequest) =>
    clearDisks(state, serverFor(state, request), request.body),
  );
  app.post('/dci/v3/server/:id/operation_diag', async (request: IdRequest) =>
    diagnose(state, serverFor(state, request), request.body),
  );
  app.post('/dci/v3/server/:id/owner', async (request: IdRequest) =>
    assignOwner(state, serverFor(state, request), request.body),
  );
  app.delete('/dci/v3/server/:id/owner', async (request: IdRequest) =>
    releaseOwner(state, serverFor(state, request)),
  );
  app.get('/dci/v3/server/:id/ip', async (request: IdRequest) => {
    const server = serverFor(state, request);
    const rows = [...state.ips.values()]
      .filter((ip) => ip.serverId === server.id)
      .map((ip) => ({ ...renderIp(state, ip), server: server.name }));
    return listEnvelope(rows, request.query, max());
  });
  app.post('/dci/v3/server/:id/ip', async (request: IdRequest) =>
    allocateIp(state, serverFor(state, request), request.body),
  );
  app.route({
    method: ['POST', 'DELETE'],
    url: '/dci/v3/server/:id/ip/:ipId',
    handler: async (request: FastifyRequest<{ Params: { id: string; ipId: string } }>) => {
      if (!state.config.ipReleaseMethods.includes(request.method))
        throw new DciSimError(405, DCI_CODES.METHOD_NOT_ALLOWED, `${request.method} is not allowed here`, {});
      return releaseIp(state, serverFor(state, request as unknown as IdRequest), request.params.ipId);
    },
  });
  app.get('/dci/v3/ip', async (request: FastifyRequest<{ Querystring: ListQuery }>) => {
    const visible = new Set(serverRows(state, request).map((s) => s.id));
    const rows = [...state.ips.values()]
      .filter((ip) => visible.has(ip.serverId))
      .map((ip) => ({ ...renderIp(state, ip), server: state.servers.get(ip.serverId)?.name ?? null }));
    return listEnvelope(rows, request.query, max());
  });
}

function catalogRoutes(app: FastifyInstance, state: DciSimState): void {
  const max = () => state.config.maxPageSize;
  const collection = (path: string, rows: () => Row[], hidden = () => false) => {
    app.get(path, async (request: FastifyRequest<{ Querystring: ListQuery }>) => {
      if (hidden()) throw notFound('path', path);
      return listEnvelope(rows(), request.query, max());
    });
    app.get(`${path}/:id`, async (request: IdRequest) => {
      const row = hidden() ? undefined : rows().find((r) => String(r.id) === request.params.id);
      if (!row) throw notFound(path.split('/').pop()!, request.params.id);
      return row;
    });
  };
  const admin = (request: FastifyRequest) => {
    if (requestUser(request).role !== '@admin')
      throw new DciSimError(403, DCI_CODES.FORBIDDEN, 'Only administrators list users', {});
  };
  app.addHook('preHandler', async (request) => {
    if (request.routeOptions.url?.includes('/dci/v3/user')) admin(request);
  });
  collection('/dci/v3/user', () =>
    state.users.map((u) => ({
      id: u.id,
      email: u.email,
      full_name: u.fullName,
      roles: `[${u.role}]`,
      server_count: [...state.servers.values()].filter((s) => s.ownerId === u.id).length,
      vlans_per_user: u.vlansPerUser,
    })),
  );
  const hidden = () => state.config.hideCatalog;
  collection('/dci/v3/location', () => state.locations.map((l) => ({ ...l })), hidden);
  collection(
    '/dci/v3/os_template',
    () => state.osTemplates.map((t) => ({ ...t, tags: [...t.tags] })),
    hidden,
  );
  collection('/ip/v3/ipnet', () => state.ipnets.map((n) => renderIpnet(state, n)));
  collection('/ip/v3/ippool', () =>
    state.pools.map((p) => {
      const nets = state.ipnets.filter((n) => n.poolId === p.id).map((n) => renderIpnet(state, n));
      const sum = (family: number | null, key: 'using_ip' | 'total_ip') =>
        String(
          nets
            .filter((n) => family === null || n.family === family)
            .reduce((acc, n) => acc + Number(n[key]), 0),
        );
      return {
        id: p.id,
        name: p.name,
        userspace: p.userspace,
        note: p.note,
        is_public: 'true',
        using_ip: sum(null, 'using_ip'),
        using_ipv4: sum(2, 'using_ip'),
        using_ipv6: sum(10, 'using_ip'),
        total_ip: sum(null, 'total_ip'),
        total_ipv4: sum(2, 'total_ip'),
        total_ipv6: sum(10, 'total_ip'),
      };
    }),
  );
}
