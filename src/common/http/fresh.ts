import type { FastifyRequest } from 'fastify';

/** A read that asks for the backend's answer now, past the cache: `?fresh=true` or `Cache-Control: no-cache`. */
export function wantsFresh(request: FastifyRequest, fresh: boolean | undefined): boolean {
  if (fresh) return true;
  const cacheControl = request.headers['cache-control'];
  return typeof cacheControl === 'string' && /(^|,)\s*no-cache\s*(,|$)/i.test(cacheControl);
}
