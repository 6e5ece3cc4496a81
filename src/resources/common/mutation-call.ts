import type { HttpCall } from '../../common/http/call.decorator';
import type { MutationCall } from '../../application/mutation.service';

/** What a mutation takes from the HTTP request, read off here: application services take no Fastify type. */
export function mutationCall({ caller, request }: HttpCall): MutationCall {
  return {
    caller,
    idempotencyKey: request.headers['idempotency-key'],
    method: request.method,
    path: request.url.split('?')[0],
    body: request.body,
    requestId: String(request.id),
  };
}
