import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { ValidationError } from '../../common/errors/gateway-error';
import { readDeadlineSeconds } from './mutation-call';

/** The query parameters a mutation takes (docs/design.md#caller-deadlines). */
const MUTATION_QUERY = new Set(['deadlineSeconds']);

/**
 * Checks a mutation's query before its body is validated: an unknown or repeated parameter, or a deadline that is
 * not a whole number, answers 400 naming it, whatever the body holds (interceptors run before the pipes). The
 * range of the deadline needs the connection, and is checked by MutationService.
 */
@Injectable()
export class MutationQueryInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const query = context.switchToHttp().getRequest<FastifyRequest>().query as Record<string, unknown>;
    for (const name of Object.keys(query ?? {})) {
      if (!MUTATION_QUERY.has(name))
        throw new ValidationError(`Unknown query parameter '${name.slice(0, 64)}'.`, [
          { field: name.slice(0, 64), message: 'is not a parameter of this operation' },
        ]);
    }
    readDeadlineSeconds(query);
    return next.handle();
  }
}
