import { SetMetadata, createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Caller, Scope } from './caller';

export const PUBLIC_ROUTE = 'gateway:public';
export const REQUIRED_SCOPE = 'gateway:scope';
export const ACCEPTS_EVENT_TOKEN = 'gateway:event-token';

/** No API key needed (health, metrics, docs). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
/** Overrides the scope derived from the method (GET: read, others: write). */
export const RequireScope = (scope: Scope) => SetMetadata(REQUIRED_SCOPE, scope);
/** The route also accepts `?access_token=` with a short-lived event token (EventSource cannot send headers). */
export const AcceptsEventToken = () => SetMetadata(ACCEPTS_EVENT_TOKEN, true);

export type AuthenticatedRequest = FastifyRequest & { caller?: Caller };

export const CurrentCaller = createParamDecorator((_data: unknown, ctx: ExecutionContext): Caller => {
  const request = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  return request.caller!;
});
