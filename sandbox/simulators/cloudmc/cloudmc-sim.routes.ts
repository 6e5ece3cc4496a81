import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { type EntityHandler, type Query, buildEntities } from './cloudmc-sim.entities';
import { CloudmcSimError, errorEnvelope, notFound, unauthorized, unsupported } from './cloudmc-sim.errors';
import type { CloudmcSimState } from './cloudmc-sim.state';
import { renderTask } from './cloudmc-sim.tasks';

export interface CloudmcRouteOptions {
  state: CloudmcSimState;
  apiKey: string;
  serviceCode: string;
  environment: string;
}

interface ServiceParams {
  serviceCode: string;
  environment: string;
  entityType: string;
  id?: string;
}

// Every verb is routed so that a known path with a wrong verb can answer 405 rather than 404.
const METHODS: HTTPMethods[] = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];
const ENVIRONMENT_ID = '7d2f4a0c-52b1-4c6e-9d1e-3b8a5f0e6c21';

/**
 * Entity types of the CloudStack plugin that the real API serves and the simulator does not model: they exist,
 * so they are not a 404 (a client would take that for "already gone"); every call on them is unsupported.
 */
const UNMODELLED_ENTITY_TYPES = new Set([
  'affinitygroups',
  'egressrules',
  'ingressrules',
  'isos',
  'loadbalancerrules',
  'networkaclrules',
  'portforwardingrules',
  'remoteaccessvpns',
  'sitetositevpns',
  'snapshots',
  'vpnusers',
]);

const accepted = (taskId: string) => ({ taskId, taskStatus: 'PENDING' });

/** Registers the CloudMC API v2 (auth, services paths, tasks, environments) on the simulator's Fastify app. */
export function registerCloudmcRoutes(app: FastifyInstance, options: CloudmcRouteOptions): void {
  const { state } = options;
  const entities = buildEntities(state);
  const sendError = (reply: FastifyReply, error: CloudmcSimError) =>
    reply.status(error.status).send(errorEnvelope(error, state.config.errorKey));

  // Clients send `Content-Type: application/json` on every call, GETs and body-less operations included.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body).trim();
    if (text === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(
        new CloudmcSimError(400, 'MALFORMED_BODY', 'The request body is not valid JSON', { field: 'body' }),
        undefined,
      );
    }
  });

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof CloudmcSimError) return sendError(reply, error);
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return sendError(
        reply,
        new CloudmcSimError(status, 'INVALID_PARAMETER', (error as Error).message, { field: 'body' }),
      );
    }
    return sendError(reply, new CloudmcSimError(500, 'UNEXPECTED_ERROR', 'An unexpected error occurred'));
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new CloudmcSimError(404, 'NOT_FOUND', 'Cannot locate the specified endpoint', {
        path: request.url.split('?')[0],
      }),
    ),
  );

  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/__sim')) return;
    if (request.headers['mc-api-key'] !== options.apiKey) {
      await sendError(reply, unauthorized());
      return reply;
    }
  });

  app.route<{ Params: { id: string } }>({
    method: METHODS,
    url: '/api/v2/tasks/:id',
    handler: async (request) => {
      // GET is what the clients use; POST too, because a docs sample polls with it.
      if (!['GET', 'HEAD', 'POST'].includes(request.method)) throw unsupported(request.method, 'tasks');
      const task = state.tasks.get(request.params.id);
      if (!task) throw notFound('tasks', request.params.id);
      return renderTask(task, state.config.taskShape);
    },
  });

  const environment = () => ({
    id: ENVIRONMENT_ID,
    name: options.environment,
    description: 'Simulated environment',
    state: 'PROVISIONED',
    membership: 'ALL_ORG_USERS',
    creationDate: '2024-03-01T12:00:00.000Z',
    organization: { id: 'f3c9e1d2-8a4b-4f6e-b5d7-2c1a0e9f8b34', name: 'Sandbox', entryPoint: 'sandbox' },
    serviceConnection: {
      id: '2b6e8d4f-1c3a-4e5b-9f7d-6a0c8e2b4d19',
      name: 'Compute (simulated)',
      serviceCode: options.serviceCode,
      type: 'CloudCA',
    },
  });
  // Reads only: creating, updating or deleting environments is not modelled.
  app.route({
    method: METHODS,
    url: '/api/v2/environments',
    handler: async (request) => {
      if (request.method !== 'GET' && request.method !== 'HEAD')
        throw unsupported(request.method, 'environments');
      return { data: [environment()], metadata: { recordCount: 1 } };
    },
  });
  app.route<{ Params: { id: string } }>({
    method: METHODS,
    url: '/api/v2/environments/:id',
    handler: async (request) => {
      if (request.method !== 'GET' && request.method !== 'HEAD')
        throw unsupported(request.method, 'environments');
      if (request.params.id !== ENVIRONMENT_ID) throw notFound('environments', request.params.id);
      return { data: environment() };
    },
  });

  /** The handler of a modelled entity type; 405 for one the simulator does not model, 404 for no such path. */
  const resolve = (params: ServiceParams, method: string, operation: string | undefined): EntityHandler => {
    if (params.serviceCode !== options.serviceCode) {
      throw new CloudmcSimError(404, 'NOT_FOUND', `No service connection with code ${params.serviceCode}`, {
        serviceCode: params.serviceCode,
      });
    }
    if (params.environment !== options.environment) {
      throw new CloudmcSimError(404, 'NOT_FOUND', `No environment named ${params.environment}`, {
        environment: params.environment,
      });
    }
    const handler = Object.hasOwn(entities, params.entityType) ? entities[params.entityType] : undefined;
    if (!handler && UNMODELLED_ENTITY_TYPES.has(params.entityType))
      throw unsupported(method, params.entityType, operation);
    if (!handler) {
      throw new CloudmcSimError(404, 'NOT_FOUND', `Unknown entity type ${params.entityType}`, {
        entityType: params.entityType,
      });
    }
    return handler;
  };

  const services = async (request: FastifyRequest<{ Params: ServiceParams; Querystring: Query }>) => {
    const { id, entityType } = request.params;
    const query = request.query ?? {};
    const operation = query.operation;
    // Fastify answers HEAD through the GET route (without a body).
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    const handler = resolve(request.params, method, operation);
    // What the entity type does not do is decided from the path, verb and operation alone, before any lookup.
    const refuse = () => unsupported(method, entityType, operation);
    if (id === undefined) {
      if (method === 'GET') {
        const data = handler.list(query);
        return { data, metadata: { recordCount: data.length } };
      }
      // GO-style collection operations: `?operation=create` is the same as a plain POST.
      if (method !== 'POST' || !handler.create || (operation && operation !== 'create')) throw refuse();
      return accepted(handler.create(request.body));
    }
    switch (method) {
      case 'GET':
        return { data: handler.get(id) };
      case 'PUT':
        if (!handler.update) throw refuse();
        return accepted(handler.update(id, request.body));
      case 'DELETE':
        if (!handler.remove) throw refuse();
        return accepted(handler.remove(id, request.body));
      case 'POST': {
        // A POST on an entity is an operation; none named, or one the type lacks, is unsupported.
        const operations = handler.operations ?? {};
        const run = operation && Object.hasOwn(operations, operation) ? operations[operation] : undefined;
        if (!run) throw refuse();
        return accepted(run(id, request.body));
      }
      default:
        throw refuse();
    }
  };

  const base = '/api/v2/services/:serviceCode/:environment/:entityType';
  app.route<{ Params: ServiceParams; Querystring: Query }>({ method: METHODS, url: base, handler: services });
  app.route<{ Params: ServiceParams; Querystring: Query }>({
    method: METHODS,
    url: `${base}/:id`,
    handler: services,
  });
}
