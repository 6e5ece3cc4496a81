import { ArgumentsHost, Catch, ExceptionFilter, Inject } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { LOGGER, loggableUrl } from '../logging/logger';
import { isGatewayError } from './gateway-error';
import { LogOncePerKind } from './log-once';
import { toProblem } from './problem.mapper';
import { asRedisUnavailable } from './redis-unavailable';

/**
 * Every error answer is RFC 9457 problem+json. Faults of the gateway itself are logged with their stack and the
 * request id, never returned raw; answers the gateway chose (a provider down, 501 unsupported) are not errors
 * of ours, and the response hook already logs every 5xx at warn level.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  /** Redis failures are logged once per kind and minute, not once per request: an outage must not flood the log. */
  private readonly redisFailures = new LogOncePerKind();

  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const redis = isGatewayError(exception) ? null : asRedisUnavailable(exception);
    if (redis) {
      this.redisFailures.note(redis.kind, (suppressed) =>
        this.logger.warn(
          { kind: redis.kind, error: (exception as Error).message, ...(suppressed ? { suppressed } : {}) },
          `requests answer 503 unavailable: Redis ${redis.kind}`,
        ),
      );
      exception = redis;
    }
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const problem = toProblem(exception, {
      requestId: String(request.id),
      instance: request.url.split('?')[0],
    });
    if (problem.status >= 500 && (!isGatewayError(exception) || problem.code === 'internal')) {
      this.logger.error(
        { err: exception, requestId: request.id, url: loggableUrl(request.url) },
        'request failed',
      );
    }
    if (reply.sent || reply.raw.headersSent) return;
    // The rate limiter sets Retry-After on the reply itself: carry it into the body too.
    const retryAfterHeader = Number(reply.getHeader('retry-after'));
    if (problem.retryAfter === undefined && problem.status === 429 && Number.isFinite(retryAfterHeader))
      problem.retryAfter = retryAfterHeader;
    if (problem.retryAfter !== undefined) void reply.header('Retry-After', String(problem.retryAfter));
    void reply
      .status(problem.status)
      .header('Content-Type', 'application/problem+json; charset=utf-8')
      .send(problem);
  }
}
