import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { type EntityHandler, type Query, buildEntities } from './cloudmc-sim.entities';
import { CloudmcSimError, errorEnvelope, notFound, unauthorized } from './cloudmc-sim.errors';
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

const methodNotAllowed = (request: FastifyRequest): CloudmcSimError =>
  new CloudmcSimError(405, 'METHOD_NOT_ALLOWED', `${request.method} is not allowed on this endpoint`, {
    method: request.method,
  });

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
      if (!['GET', 'HEAD', 'POST'].includes(request.method)) throw methodNotAllowed(request);
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
  app.get('/api/v2/environments', async () => ({ data: [environment()], metadata: { recordCount: 1 } }));
  app.get<{ Params: { id: string } }>('/api/v2/environments/:id', async (request) => {
    if (request.params.id !== ENVIRONMENT_ID) throw notFound('environments', request.params.id);
    return { data: environment() };
  });

  const resolve = (params: ServiceParams): EntityHandler => {
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
    const handler = entities[params.entityType];
    if (!handler) {
      throw new CloudmcSimError(404, 'NOT_FOUND', `Unknown entity type ${params.entityType}`, {
        entityType: params.entityType,
      });
    }
    return handler;
  };

  const services = async (request: FastifyRequest<{ Params: ServiceParams; Querystring: Query }>) => {
    const handler = resolve(request.params);
    const { id, entityType } = request.params;
    const query = request.query ?? {};
    const operation = query.operation;
    // Fastify answers HEAD through the GET route (without a body).
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    if (id === undefined) {
      if (method === 'GET') {
        const data = handler.list(query);
        return { data, metadata: { recordCount: data.length } };
      }
      if (method !== 'POST' || !handler.create) throw methodNotAllowed(request);
      // GO-style collection operations: `?operation=create` is the same as a plain POST.
      if (operation && operation !== 'create') throw unsupported(entityType, operation);
      return accepted(handler.create(request.body));
    }
    switch (method) {
      case 'GET':
        return { data: handler.get(id) };
      case 'PUT':
        if (!handler.update) throw methodNotAllowed(request);
        return accepted(handler.update(id, request.body));
      case 'DELETE':
        if (!handler.remove) throw methodNotAllowed(request);
        return accepted(handler.remove(id, request.body));
      case 'POST': {
        if (!handler.operations) throw methodNotAllowed(request);
        handler.get(id); // 404 for an unknown id comes before a bad operation
        if (!operation)
          throw new CloudmcSimError(400, 'MISSING_PARAMETER', 'The operation query parameter is required', {
            field: 'operation',
          });
        const run = handler.operations[operation];
        if (!run) throw unsupported(entityType, operation);
        return accepted(run(id, request.body));
      }
      default:
        throw methodNotAllowed(request);
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

function unsupported(entityType: string, operation: string): CloudmcSimError {
  return new CloudmcSimError(
    400,
    'UNSUPPORTED_OPERATION',
    `Operation ${operation} is not supported on ${entityType}`,
    {
      field: 'operation',
      operation,
      type: entityType,
    },
  );
}
