import type { FastifyReply } from 'fastify';
import type { GetResult } from '../../application/resource-reader.service';

/**
 * A single read served from cache because the backend failed says so (RFC 9211 Cache-Status) and how old
 * it is (Age); the body is the resource as last seen.
 */
export function readHeaders<R>(reply: FastifyReply, result: GetResult<R>): R {
  if (result.stale) {
    void reply.header('Cache-Status', 'cloudmux; hit; detail=stale-provider-unavailable');
    void reply.header(
      'Age',
      String(Math.max(0, Math.round((Date.now() - Date.parse(result.observedAt)) / 1000))),
    );
  }
  return result.resource;
}
