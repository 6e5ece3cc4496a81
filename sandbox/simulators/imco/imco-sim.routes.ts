import type { FastifyInstance, FastifyReply } from 'fastify';
import { registerCatalogRoutes } from './imco-sim.catalog';
import type { RouteContext } from './imco-sim.context';
import { ImcoSimError } from './imco-sim.errors';
import { registerFloatingIpRoutes } from './imco-sim.floating-ips';
import type { ApiVersion } from './imco-sim.model';
import { registerProfileRoutes } from './imco-sim.profiles';
import { registerServerRoutes } from './imco-sim.servers';
import type { ImcoSimState } from './imco-sim.state';
import { registerStorageRoutes } from './imco-sim.storage';
import { registerVpcRoutes } from './imco-sim.vpcs';

const VERSIONS: ApiVersion[] = ['v2', 'v3'];

function send(reply: FastifyReply, error: ImcoSimError): FastifyReply {
  const { contentType, payload } = error.body();
  return reply.status(error.status).header('Content-Type', contentType).send(payload);
}

/** The IMCO API under `/v2` and `/v3` (the same paths; the prefix selects the field set). */
export function registerImcoRoutes(app: FastifyInstance, state: ImcoSimState): void {
  // IMCO's CLI sends `Content-Type: application/json` on POST, PUT and DELETE, with or without a body
  // (docs/providers/imco.md#json-and-lists).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body).trim();
    if (text === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new ImcoSimError(400, 'The request body is not valid JSON'), undefined);
    }
  });

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof ImcoSimError) return send(reply, error);
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status >= 400 && status < 500) return send(reply, new ImcoSimError(status, (error as Error).message));
    return send(reply, new ImcoSimError(500, 'Internal server error'));
  });

  app.setNotFoundHandler((request, reply) =>
    send(reply, new ImcoSimError(404, `No route matches [${request.method}] "${request.url.split('?')[0]}"`)),
  );

  for (const version of VERSIONS) {
    void app.register(
      async (scoped) => {
        const ctx: RouteContext = { app: scoped, state, version };
        registerCatalogRoutes(ctx);
        registerServerRoutes(ctx);
        registerStorageRoutes(ctx);
        registerVpcRoutes(ctx);
        registerFloatingIpRoutes(ctx);
        registerProfileRoutes(ctx);
      },
      { prefix: `/${version}` },
    );
  }
}
