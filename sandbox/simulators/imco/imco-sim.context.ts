import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ApiVersion } from './imco-sim.model';
import type { ImcoSimState } from './imco-sim.state';

/** What each group of routes gets: the app scoped to one version prefix (`/v2` or `/v3`). */
export interface RouteContext {
  app: FastifyInstance;
  state: ImcoSimState;
  version: ApiVersion;
}

export type IdParams = { Params: { id: string } };

/** A create answers 201 (as v1 did) unless the config says 200. */
export function created(ctx: RouteContext, reply: FastifyReply, body: unknown): FastifyReply {
  return reply.status(ctx.state.config.createStatus).send(body);
}

export function noContent(reply: FastifyReply): FastifyReply {
  return reply.status(204).send();
}
