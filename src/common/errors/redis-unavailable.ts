import { GatewayError, type GatewayErrorOptions } from './gateway-error';

/** Seconds a client is asked to wait before sending a request again that Redis could not serve. */
export const REDIS_RETRY_AFTER_SECONDS = 5;

/**
 * The gateway's own Redis refused or did not answer (full, down, too slow, a script or transaction aborted): a
 * gateway condition, never the caller's or the backend's fault. 503 `unavailable`, retryable, with Retry-After.
 */
export class RedisUnavailableError extends GatewayError {
  /** Short, stable name of what happened (`oom`, `timeout`, `disconnected`...), for logs and metrics. */
  readonly kind: RedisFailureKind;

  constructor(kind: RedisFailureKind, options: GatewayErrorOptions = {}) {
    super('unavailable', DETAILS[kind], {
      retryable: true,
      retryAfter: REDIS_RETRY_AFTER_SECONDS,
      ...options,
    });
    this.kind = kind;
  }
}

export type RedisFailureKind =
  'oom' | 'aborted' | 'read_only' | 'loading' | 'busy' | 'misconfigured' | 'timeout' | 'disconnected';

const DETAILS: Record<RedisFailureKind, string> = {
  oom: 'The gateway cannot store anything right now (its Redis is full). Send the request again later.',
  aborted: 'The gateway could not store the change (its Redis refused it). Send the request again later.',
  read_only:
    'The gateway cannot store anything right now (its Redis refuses writes). Send the request again later.',
  loading: 'The gateway is starting up (its Redis is loading its data). Send the request again later.',
  busy: 'The gateway is busy (its Redis is running a long script). Send the request again later.',
  misconfigured:
    'The gateway cannot store anything right now (its Redis cannot persist). Send the request again later.',
  timeout: 'The gateway did not get an answer from its Redis in time. Send the request again later.',
  disconnected: 'The gateway has lost its connection to Redis. Send the request again later.',
};

/** Redis error replies (the first word of the message) that mean "not now", with what they mean. */
const REPLY_PREFIXES: Array<[RegExp, RedisFailureKind]> = [
  [/^(ERR [^\n]*)?\bOOM command not allowed\b/, 'oom'],
  [/^OOM\b/, 'oom'],
  [/^EXECABORT\b/, 'aborted'],
  [/^READONLY\b/, 'read_only'],
  [/^(NOREPLICAS|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)\b/, 'read_only'],
  [/^LOADING\b/, 'loading'],
  [/^BUSY\b/, 'busy'],
  [/^MISCONF\b/, 'misconfigured'],
];

/** Messages of ioredis (and BullMQ on top of it) for a command that never got an answer. */
const CLIENT_MESSAGES: Array<[RegExp, RedisFailureKind]> = [
  [/^Command timed out$/, 'timeout'],
  [/^Reached the max retries per request limit\b/, 'disconnected'],
  [/^Connection is closed\.?$/, 'disconnected'],
  [/^Stream isn't writeable and enableOfflineQueue options is false$/, 'disconnected'],
  [/^Cluster isn't ready and enableOfflineQueue options is false$/, 'disconnected'],
  [/^Socket timeout\. Expecting data\b/, 'disconnected'],
  [/OOM command not allowed when used memory/, 'oom'],
];

const CLIENT_ERROR_NAMES = new Set(['MaxRetriesPerRequestError', 'ConnectionClosedError']);

function kindOf(error: unknown): RedisFailureKind | null {
  if (!(error instanceof Error)) return null;
  const message = error.message ?? '';
  if (error.name === 'ReplyError') {
    for (const [pattern, kind] of REPLY_PREFIXES) if (pattern.test(message)) return kind;
    return null;
  }
  if (CLIENT_ERROR_NAMES.has(error.name)) return 'disconnected';
  for (const [pattern, kind] of CLIENT_MESSAGES) if (pattern.test(message)) return kind;
  return null;
}

/**
 * The one place Redis failures are recognised: a RedisUnavailableError for an ioredis/BullMQ error that says
 * Redis cannot serve now (error replies such as OOM, EXECABORT, READONLY, LOADING, BUSY, MISCONF; a command
 * timeout; the connection lost or the offline queue flushed), looking through `cause` chains; null otherwise
 * (a Redis error about the command itself, such as WRONGTYPE, stays a gateway fault).
 */
export function asRedisUnavailable(error: unknown): RedisUnavailableError | null {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (current instanceof RedisUnavailableError) return current;
    const kind = kindOf(current);
    if (kind) return new RedisUnavailableError(kind, { cause: error });
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

export function isRedisUnavailable(error: unknown): boolean {
  return asRedisUnavailable(error) !== null;
}
