import type { GetResult } from '../../application/resource-reader.service';
import type { HttpCall } from '../../common/http/call.decorator';
import { entityTag, noneMatchHits } from '../../common/http/etag';

/**
 * The answer of a single read (docs/design.md#optimistic-concurrency): its `ETag`, and 304 without a body when
 * `If-None-Match` names it. A read served from cache because the backend failed says so (RFC 9211 Cache-Status)
 * and how old it is (Age); the body is the resource as last seen.
 */
export function readHeaders<R extends object>({ request, reply }: HttpCall, result: GetResult<R>): R {
  const etag = entityTag(result.resource);
  void reply.header('ETag', etag);
  if (result.stale) {
    void reply.header('Cache-Status', 'cloudmux; hit; detail=stale-provider-unavailable');
    void reply.header(
      'Age',
      String(Math.max(0, Math.round((Date.now() - Date.parse(result.observedAt)) / 1000))),
    );
  }
  if (noneMatchHits(request.headers['if-none-match'], etag)) {
    void reply.status(304);
    return undefined as unknown as R; // a 304 has no body (RFC 9110 §15.4.5)
  }
  return result.resource;
}
