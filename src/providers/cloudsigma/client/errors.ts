import {
  ConflictError,
  GatewayError,
  NotFoundError,
  ProviderAuthError,
  ProviderError,
  ProviderTimeoutError,
  ProviderUnavailableError,
  UpstreamInfo,
  ValidationError,
} from '../../../common/errors/gateway-error';
import type { UpstreamResponse } from '../../kit/http/upstream-client';
import { errorsOf, parseObjects } from './codec';

const NOT_FOUND = /could not be found/i;
/** Error bodies are a few lines: only their first 64 KiB are read (an error answer can be as large as any). */
const ERROR_BODY_CHARS = 64 * 1024;
const IN_USE = /currently in use/i;

/**
 * The only reader of CloudSigma 1.0 error bodies: `errors:<field> <message>` lines
 * (docs/providers/cloudsigma.md#errors).
 * 400 "could not be found" is a 404, 400 "currently in use" and 409 are conflicts (409 means busy, worth a
 * retry), other 400s are validation problems naming the backend's fields; 401 is our credentials.
 */
export function parseCloudsigmaError(response: UpstreamResponse): GatewayError {
  const errors = errorsOf(parseObjects(response.body.slice(0, ERROR_BODY_CHARS))).map((e) => ({
    field: e.field,
    message: e.message.slice(0, 500),
  }));
  const first = errors[0];
  const upstream: UpstreamInfo = {
    status: response.status,
    code: first?.field ?? null,
    message: first?.message ?? null,
  };
  const said = first ? `: ${first.message}` : '';
  const text = errors.map((e) => e.message).join(' ');
  const { status } = response;

  if (status === 401)
    return new ProviderAuthError(`CloudSigma refused the email and password of this connection${said}`, {
      upstream,
    });
  if (status === 404 || (status === 400 && NOT_FOUND.test(text)))
    return new NotFoundError(`CloudSigma has no such object${said}`, { upstream });
  if (status === 400 && IN_USE.test(text))
    return new ConflictError(`CloudSigma refused: the object is in use${said}`, {
      upstream,
      extensions: { currentState: 'in-use' },
    });
  if (status === 400) {
    const fields = errors.filter((e) => e.field !== 'system');
    return new ValidationError(`CloudSigma rejected the request${said}`, fields.length ? fields : undefined, {
      upstream,
    });
  }
  if (status === 409)
    return new ConflictError(`CloudSigma reports the object busy${said}`, { upstream, retryable: true });
  if (status === 402)
    return new ProviderError(`CloudSigma refused for billing reasons (payment required)${said}`, {
      upstream,
      retryable: false,
    });
  if (status === 429 || status === 503)
    return new ProviderUnavailableError(`CloudSigma is busy (HTTP ${status})${said}`, { upstream });
  if (status === 504)
    return new ProviderTimeoutError(`CloudSigma timed out the operation${said}`, { upstream });
  if (status >= 500) return new ProviderError(`CloudSigma failed (HTTP ${status})${said}`, { upstream });
  return new ProviderError(`CloudSigma answered HTTP ${status}${said}`, { upstream, retryable: false });
}
