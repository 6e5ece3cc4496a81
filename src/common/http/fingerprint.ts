import { createHash } from 'node:crypto';
import { ValidationError } from '../errors/gateway-error';
import { canonicalJson } from './canonical-json';

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // the router refuses a broken encoding before any handler: kept as sent
  }
}

/**
 * The path as the router reads it (Fastify with `ignoreTrailingSlash`): the query left out, one trailing slash
 * dropped, each segment percent-decoded. A decoded `%` or `/` is encoded again, so that two paths the router
 * tells apart stay apart; every other character is kept as is, so that fingerprints stored before this
 * normalization still match the same requests.
 */
export function routedPath(path: string): string {
  let bare = path.split(/[?#]/, 1)[0];
  if (bare.length > 1 && bare.endsWith('/')) bare = bare.slice(0, -1);
  return bare
    .split('/')
    .map((segment) => decoded(segment).replace(/%/g, '%25').replace(/\//g, '%2F'))
    .join('/');
}

/**
 * Identifies a request for Idempotency-Key replay: method, path and body, key order ignored, and the
 * `?deadlineSeconds=` when one is given (without one the text is what it was before deadlines existed, so records
 * stored then still replay). The path is read the way the router reads it, so a retry of `POST /v1/servers` sent
 * as `POST /v1/servers/` is the same request.
 */
export function requestFingerprint(
  method: string,
  path: string,
  body: unknown,
  deadlineSeconds?: number,
): string {
  const deadline = deadlineSeconds === undefined ? '' : `\ndeadlineSeconds=${deadlineSeconds}`;
  return createHash('sha256')
    .update(`${method.toUpperCase()} ${routedPath(path)}\n${canonicalJson(body)}${deadline}`)
    .digest('base64url');
}

const IDEMPOTENCY_KEY = /^[\x21-\x7E]{1,255}$/;

/** The Idempotency-Key header, validated: 1 to 255 visible ASCII characters. */
export function readIdempotencyKey(header: string | string[] | undefined): string | null {
  if (header === undefined) return null;
  const value = Array.isArray(header) ? header[0] : header;
  if (!IDEMPOTENCY_KEY.test(value)) {
    throw new ValidationError('Idempotency-Key must be 1 to 255 visible ASCII characters.', [
      { field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' },
    ]);
  }
  return value;
}
