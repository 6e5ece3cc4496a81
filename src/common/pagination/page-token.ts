import { createHash } from 'node:crypto';
import { ValidationError } from '../errors/gateway-error';

interface PageToken {
  /** Sort key of the last item served. */
  after: string;
  /** Digest of the query the token belongs to: a token is only valid for the same filters. */
  q: string;
}

export function queryDigest(query: Record<string, unknown>): string {
  const canonical = JSON.stringify(
    Object.keys(query)
      .sort()
      .map((k) => [k, query[k] ?? null]),
  );
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
}

/** Opaque cursor (AIP-158): base64url JSON; clients must not build or parse it. */
export function encodePageToken(after: string, query: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ after, q: queryDigest(query) } satisfies PageToken)).toString(
    'base64url',
  );
}

/**
 * The cursor of a token issued for `query`. Tokens are not sealed, so a client can forge one: `isCursor` says
 * which cursors the list can start after (an item id), and any other is refused like a damaged token.
 */
export function decodePageToken(
  token: string | undefined,
  query: Record<string, unknown>,
  isCursor: (after: string) => boolean = () => true,
): string | null {
  if (!token) return null;
  let parsed: Partial<PageToken>;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<PageToken>;
  } catch {
    throw new ValidationError('pageToken is not valid.', [
      { field: 'pageToken', message: 'is not a token this API issued' },
    ]);
  }
  if (typeof parsed?.after !== 'string' || parsed.q !== queryDigest(query) || !isCursor(parsed.after)) {
    throw new ValidationError('pageToken is not valid for this query.', [
      { field: 'pageToken', message: 'belongs to another query or is damaged; start again without it' },
    ]);
  }
  return parsed.after;
}
