import {
  ConflictError,
  GatewayError,
  NotFoundError,
  ProviderAuthError,
  ProviderError,
  ProviderUnavailableError,
  UpstreamErrorEntry,
  UpstreamInfo,
  ValidationError,
} from '../../../common/errors/gateway-error';
import type { UpstreamResponse } from '../../kit/http/upstream-client';

interface CmErrorEntry {
  code?: number | string;
  errorCode?: string;
  message?: string;
  field?: unknown;
  context?: { currentState?: unknown; expectedStates?: unknown; field?: unknown; [key: string]: unknown };
}

/**
 * A task document served with an error status (go-cloudca's tests serve FAILED tasks with 400:
 * docs/providers/cloudmc.md#tasks).
 */
export class CmFailedTaskError extends ProviderError {
  constructor(
    readonly failure: string | null,
    upstream: UpstreamInfo,
  ) {
    super(`The CloudMC task failed${failure ? `: ${failure}` : '.'}`, { upstream, retryable: false });
  }
}

/**
 * Error bodies up to this size are read; a larger one is treated as unparsable and the status alone decides (an
 * error answer is never worth a long parse: docs/adr/0004-untrusted-backends.md).
 */
export const MAX_ERROR_BODY_CHARS = 64 * 1024;

/** The parsed error body, or undefined when it is too large to read or not JSON. */
function parsedBody(body: string): unknown {
  if (body.length > MAX_ERROR_BODY_CHARS) return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

function failedTask(body: string): { failure: string | null } | null {
  try {
    const parsed = parsedBody(body) as {
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

/** Bounds on what an error body may put in a problem: the backend's text is not ours to pass on unbounded. */
const MAX_ENTRIES = 20;
const MAX_TEXT = 500;

/** The object entries of `{"errors": [...]}` (anything else in the array is skipped); [] for any other body. */
export function errorEntries(body: string): CmErrorEntry[] {
  // Not JSON, or too large to read: the status alone decides.
  const parsed = parsedBody(body) as { errors?: unknown } | null | undefined;
  if (Array.isArray(parsed?.errors)) {
    return parsed.errors.filter(
      (entry): entry is CmErrorEntry => !!entry && typeof entry === 'object' && !Array.isArray(entry),
    );
  }
  return [];
}

/** The first entry of `{"errors": [...]}`, or null when the body is not that envelope. */
export function firstError(body: string): CmErrorEntry | null {
  return errorEntries(body)[0] ?? null;
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value.slice(0, MAX_TEXT) : null);

function codeOf(entry: CmErrorEntry): string | null {
  const code = entry.code ?? entry.errorCode;
  return typeof code === 'string' || typeof code === 'number' ? String(code).slice(0, MAX_TEXT) : null;
}

/**
 * One entry as the problem shows it. The docs' sample names no field; our reading takes `context.field` (the
 * simulator's and a common convention) or a top-level `field` when either is a string
 * (docs/providers/cloudmc.md#errors: no public source shows one).
 */
function upstreamEntry(entry: CmErrorEntry): UpstreamErrorEntry {
  const field = text(entry.context?.field) ?? text(entry.field);
  return { code: codeOf(entry), message: text(entry.message), ...(field ? { field } : {}) };
}

/**
 * The only reader of CloudMC error bodies. Accepts both the documented `code` (number) and go-cloudca's
 * `errorCode` (string), and keeps only codes, messages and named fields (bounded): never the raw body. How each
 * status becomes a problem: docs/providers/cloudmc.md#how-errors-are-mapped.
 */
export function parseCloudmcError(response: UpstreamResponse): GatewayError {
  const entries = errorEntries(response.body);
  const entry = entries[0];
  const upstream: UpstreamInfo = {
    status: response.status,
    code: entry ? codeOf(entry) : null,
    message: entry ? text(entry.message) : null,
    // The body is a list (docs: "a list of errors objects"); keep them all when there are several.
    ...(entries.length > 1 ? { errors: entries.slice(0, MAX_ENTRIES).map(upstreamEntry) } : {}),
  };
  const message = upstream.message;
  const said = message ? `: ${message}` : '';
  const { status } = response;

  const task = failedTask(response.body);
  if (task) return new CmFailedTaskError(task.failure, upstream);

  if (status === 400 && entry?.context && (entry.context.currentState || entry.context.expectedStates)) {
    const currentState = text(entry.context.currentState);
    const expectedStates = Array.isArray(entry.context.expectedStates)
      ? entry.context.expectedStates.filter((s): s is string => typeof s === 'string').slice(0, MAX_ENTRIES)
      : [];
    const expected = expectedStates.join(', ');
    return new ConflictError(
      `The resource is ${currentState ?? 'in another state'}${expected ? `; the operation needs ${expected}` : ''}.`,
      { upstream, extensions: { currentState, expectedStates } },
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
  if (status === 405) {
    // The docs' 405 is "cannot use that verb on the endpoint": CloudMC will never do this call, however often
    // it is tried. The gateway only calls what it believes the backend supports, so this backend (its version
    // or plugin) lacks the operation: unsupported on this connection, not a backend failure
    // (docs/providers/cloudmc.md#unsupported-calls).
    return new GatewayError('unsupported_operation', `CloudMC does not support this operation${said}`, {
      upstream,
      retryable: false,
    });
  }
  if (status === 409) return new ConflictError(`CloudMC reports a conflict${said}`, { upstream });
  if (status === 429 || status === 503)
    return new ProviderUnavailableError(`CloudMC is busy (HTTP ${status})${said}`, { upstream });
  if (status >= 500) return new ProviderError(`CloudMC failed (HTTP ${status})${said}`, { upstream });
  return new ProviderError(`CloudMC answered HTTP ${status}${said}`, { upstream, retryable: false });
}
