import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthenticatedRequest } from '../auth/auth.decorators';
import type { Caller } from '../auth/caller';

/** One request as a handler needs it: who calls, the request, and the reply (for status and headers). */
export interface HttpCall {
  caller: Caller;
  request: FastifyRequest;
  reply: FastifyReply;
}

export const Call = createParamDecorator((_data: unknown, ctx: ExecutionContext): HttpCall => {
  const http = ctx.switchToHttp();
  const request = http.getRequest<AuthenticatedRequest>();
  return { caller: request.caller!, request, reply: http.getResponse<FastifyReply>() };
});
