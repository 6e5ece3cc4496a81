import type { HttpCall } from '../../common/http/call.decorator';
import { ValidationError } from '../../common/errors/gateway-error';
import type { MutationCall } from '../../application/mutation.service';

// An integer as a query string writes it; the connection's ceiling is checked once it is known (MutationService).
const INTEGER = /^[+-]?\d{1,15}$/;

/** The longest deadline any connection may allow (`maxDeadlines`, `tasks.maxDeadlineSeconds`): a week. */
export const DEADLINE_SECONDS_LIMIT = 604_800;

/**
 * `?deadlineSeconds=` as an integer, or undefined when absent; 400 naming it when it is anything else (a fraction,
 * text, given twice). docs/design.md#caller-deadlines
 */
export function readDeadlineSeconds(query: unknown): number | undefined {
  const value = (query as Record<string, unknown> | undefined)?.deadlineSeconds;
  if (value === undefined) return undefined;
  if (
    typeof value !== 'string' ||
    !INTEGER.test(value) ||
    Number(value) < 1 ||
    Number(value) > DEADLINE_SECONDS_LIMIT
  )
    throw new ValidationError(
      `deadlineSeconds must be a whole number of seconds from 1 to ${DEADLINE_SECONDS_LIMIT}.`,
      [
        {
          field: 'deadlineSeconds',
          message: `must be an integer from 1 to ${DEADLINE_SECONDS_LIMIT} (seconds)`,
        },
      ],
    );
  return Number(value);
}

/** What a mutation takes from the HTTP request, read off here: application services take no Fastify type. */
export function mutationCall({ caller, request }: HttpCall): MutationCall {
  const ifMatch = request.headers['if-match'];
  return {
    caller,
    idempotencyKey: request.headers['idempotency-key'],
    method: request.method,
    path: request.url.split('?')[0],
    body: request.body,
    requestId: String(request.id),
    deadlineSeconds: readDeadlineSeconds(request.query),
    ifMatch: Array.isArray(ifMatch) ? ifMatch.join(', ') : ifMatch,
  };
}
