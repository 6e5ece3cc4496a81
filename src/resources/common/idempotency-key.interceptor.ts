import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { readIdempotencyKey } from '../../common/http/fingerprint';

/**
 * A malformed `Idempotency-Key` answers 400 on every POST, PATCH and DELETE, before the body or the id is looked
 * at (interceptors run before the pipes), as on the task-making routes. Routes without a task of their own take
 * a well-formed key as docs/design.md#tasks says for each.
 */
@Injectable()
export class IdempotencyKeyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    readIdempotencyKey(context.switchToHttp().getRequest<FastifyRequest>().headers['idempotency-key']);
    return next.handle();
  }
}
