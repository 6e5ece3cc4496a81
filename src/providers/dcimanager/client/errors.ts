import {
  ConflictError,
  GatewayError,
  NotFoundError,
  ProviderAuthError,
  ProviderError,
  ProviderUnavailableError,
  UpstreamInfo,
  ValidationError,
} from '../../../common/errors/gateway-error';
import type { UpstreamResponse } from '../../kit/http/upstream-client';

/**
 * Error code one VMmanager 6 client reads as "not logged in"; DCImanager shares its auth service
 * (docs/providers/dcimanager.md#session-lifetime).
 */
export const SESSION_ERROR_CODE = '1000';

export interface DciErrorEntry {
  code: string | null;
  msg: string | null;
}

/** The session is missing or expired: the client logs in again and replays the call once. */
export class DciSessionError extends ProviderAuthError {}

/**
 * A service that was idle answers 503 until it wakes (docs/providers/dcimanager.md#waking-services). Not
 * retryable by the upstream client and not counted by its breaker: the DCImanager client retries it with a
 * short backoff itself.
 */
export class DciWakingError extends GatewayError {
  constructor(upstream: UpstreamInfo) {
    super('provider_unavailable', 'A DCImanager service is starting up (HTTP 503).', { upstream });
  }
}

/**
 * Error bodies up to this size are read; a larger one is treated as unparsable and the status alone decides (an
 * error answer is never worth a long parse: docs/adr/0004-untrusted-backends.md).
 */
export const MAX_ERROR_BODY_CHARS = 64 * 1024;

/** `{"error": {"code", "msg", "value"}}`, or null when the body is not that shape (or too large to read). */
export function readDciError(body: string): DciErrorEntry | null {
  if (body.length > MAX_ERROR_BODY_CHARS) return null;
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; msg?: unknown; message?: unknown } };
    const error = parsed?.error;
    if (!error || typeof error !== 'object') return null;
    const code = typeof error.code === 'number' || typeof error.code === 'string' ? String(error.code) : null;
    const text =
      typeof error.msg === 'string' ? error.msg : typeof error.message === 'string' ? error.message : null;
    return { code, msg: text ? text.slice(0, 500) : null };
  } catch {
    return null;
  }
}

function upstreamOf(response: UpstreamResponse): UpstreamInfo {
  const entry = readDciError(response.body);
  return { status: response.status, code: entry?.code ?? null, message: entry?.msg ?? null };
}

/**
 * The only reader of DCImanager error bodies (docs/providers/dcimanager.md#errors). Keeps code and message,
 * never the body. A 401, or code 1000 with any status, means the session ended; 503 means a service is waking.
 */
export function parseDciError(response: UpstreamResponse): GatewayError {
  const upstream = upstreamOf(response);
  const said = upstream.message ? `: ${upstream.message}` : '';
  const { status } = response;
  if (status === 401 || upstream.code === SESSION_ERROR_CODE)
    return new DciSessionError(`DCImanager ended or refused the gateway's session (HTTP ${status})${said}`, {
      upstream,
    });
  if (status === 503) return new DciWakingError(upstream);
  if (status === 400)
    return new ValidationError(`DCImanager refused the request${said}`, undefined, { upstream });
  if (status === 403)
    return new ProviderAuthError(`DCImanager does not let the gateway's account do this (HTTP 403)${said}`, {
      upstream,
    });
  if (status === 404) return new NotFoundError(`DCImanager has no such object${said}`, { upstream });
  if (status === 409) return new ConflictError(`DCImanager reports a conflict${said}`, { upstream });
  if (status === 429)
    return new ProviderUnavailableError(`DCImanager is rate limiting (HTTP 429)${said}`, { upstream });
  if (status >= 500) return new ProviderError(`DCImanager failed (HTTP ${status})${said}`, { upstream });
  return new ProviderError(`DCImanager answered HTTP ${status}${said}`, { upstream, retryable: false });
}

/** Errors of the login call itself: a refusal there is the connection's credentials, never a session to renew. */
export function parseDciLoginError(response: UpstreamResponse): GatewayError {
  const upstream = upstreamOf(response);
  if ([400, 401, 403].includes(response.status)) {
    return new ProviderAuthError(
      `DCImanager refused the gateway's login (HTTP ${response.status}): check email and password of this connection.`,
      { upstream },
    );
  }
  return parseDciError(response);
}
