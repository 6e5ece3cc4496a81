import {
  ConflictError,
  GatewayError,
  NotFoundError,
  ProviderAuthError,
  ProviderError,
  ProviderUnavailableError,
  UpstreamInfo,
  ValidationError,
} from '../../common/errors/gateway-error';
import type { UpstreamResponse } from '../http/upstream-client';

interface CmErrorEntry {
  code?: number | string;
  errorCode?: string;
  message?: string;
  context?: { currentState?: string; expectedStates?: string[]; [key: string]: unknown };
}

/** A task document served with an error status (go-cloudca's tests serve FAILED tasks with 400). */
export class CmFailedTaskError extends ProviderError {
  constructor(
    readonly failure: string | null,
    upstream: UpstreamInfo,
  ) {
    super(`The CloudMC task failed${failure ? `: ${failure}` : '.'}`, { upstream, retryable: false });
  }
}

function failedTask(body: string): { failure: string | null } | null {
  try {
    const parsed = JSON.parse(body) as {
      data?: { status?: unknown; result?: unknown };
      taskStatus?: unknown;
      result?: unknown;
    };
    const status = parsed?.data?.status ?? parsed?.taskStatus;
    if (typeof status !== 'string' || status.toUpperCase() !== 'FAILED') return null;
    const result = parsed.data?.result ?? parsed.result;
    const message =
      typeof result === 'string' ? result : (result as { message?: unknown } | undefined)?.message;
    return { failure: typeof message === 'string' ? message.slice(0, 500) : null };
  } catch {
    return null;
  }
}

/** The first entry of `{"errors": [...]}`, or null when the body is not that envelope. */
export function firstError(body: string): CmErrorEntry | null {
  try {
    const parsed = JSON.parse(body) as { errors?: unknown };
    if (Array.isArray(parsed?.errors) && parsed.errors.length > 0 && typeof parsed.errors[0] === 'object') {
      return parsed.errors[0] as CmErrorEntry;
    }
  } catch {
    // not JSON: the status alone decides
  }
  return null;
}

/**
 * The only reader of CloudMC error bodies. Accepts both the documented `code` (number) and go-cloudca's
 * `errorCode` (string), and keeps only code and message: never the raw body.
 */
export function parseCloudmcError(response: UpstreamResponse): GatewayError {
  const entry = firstError(response.body);
  const code = entry?.code ?? entry?.errorCode;
  const message = typeof entry?.message === 'string' ? entry.message.slice(0, 500) : null;
  const upstream: UpstreamInfo = {
    status: response.status,
    code: code === undefined ? null : String(code),
    message,
  };
  const said = message ? `: ${message}` : '';
  const { status } = response;

  const task = failedTask(response.body);
  if (task) return new CmFailedTaskError(task.failure, upstream);

  if (status === 400 && entry?.context && (entry.context.currentState || entry.context.expectedStates)) {
    const expected = entry.context.expectedStates?.join(', ');
    return new ConflictError(
      `The resource is ${entry.context.currentState ?? 'in another state'}${expected ? `; the operation needs ${expected}` : ''}.`,
      {
        upstream,
        extensions: {
          currentState: entry.context.currentState ?? null,
          expectedStates: entry.context.expectedStates ?? [],
        },
      },
    );
  }
  if (status === 400)
    return new ValidationError(`CloudMC rejected the request${said}`, undefined, { upstream });
  if (status === 401 || status === 403) {
    return new ProviderAuthError(`CloudMC refused the API key of this connection (HTTP ${status})${said}`, {
      upstream,
    });
  }
  if (status === 404) return new NotFoundError(`CloudMC has no such resource${said}`, { upstream });
  if (status === 409) return new ConflictError(`CloudMC reports a conflict${said}`, { upstream });
  if (status === 429 || status === 503)
    return new ProviderUnavailableError(`CloudMC is busy (HTTP ${status})${said}`, { upstream });
  if (status >= 500) return new ProviderError(`CloudMC failed (HTTP ${status})${said}`, { upstream });
  return new ProviderError(`CloudMC answered HTTP ${status}${said}`, { upstream, retryable: false });
}
