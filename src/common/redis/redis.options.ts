/** Connection settings both ioredis and BullMQ accept, from one URL (`redis://`, `rediss://`, `unix://`). */
export interface RedisConnectionSettings {
  host?: string;
  port?: number;
  path?: string;
  username?: string;
  password?: string;
  db?: number;
  tls?: Record<string, never>;
}

/** How long the gateway waits for Redis (REDIS_COMMAND_TIMEOUT_MS, REDIS_CONNECT_TIMEOUT_MS). */
export interface RedisTimeouts {
  commandTimeoutMs: number;
  connectTimeoutMs: number;
}

/**
 * What one client's role asks of its connections (timeouts, retries), whatever the topology: redis-topology.ts
 * adds where they go. `retryStrategy` is the reconnect policy (a cluster's whole-cluster reconnect).
 */
export interface RoleOptions {
  commandTimeout?: number;
  blockingTimeout?: number;
  connectTimeout: number;
  maxRetriesPerRequest: number | null;
  enableOfflineQueue?: boolean;
  retryStrategy: (attempt: number) => number;
}

/** Longest pause between two reconnect attempts: after an outage every client is back within about this. */
export const MAX_RECONNECT_DELAY_MS = 2_000;

export function redisOptionsFromUrl(url: string): RedisConnectionSettings {
  if (url.startsWith('unix://')) return { path: url.slice('unix://'.length) };
  const parsed = new URL(url);
  const options: RedisConnectionSettings = {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 6379,
  };
  if (parsed.username) options.username = decodeURIComponent(parsed.username);
  if (parsed.password) options.password = decodeURIComponent(parsed.password);
  const db = parsed.pathname.replace('/', '');
  if (db) options.db = Number(db);
  if (parsed.protocol === 'rediss:') options.tls = {};
  return options;
}

/** Reconnect forever, quickly at first, then every MAX_RECONNECT_DELAY_MS (never ioredis' give-up `null`). */
export function reconnectDelay(attempt: number): number {
  return Math.min(MAX_RECONNECT_DELAY_MS, 100 * 2 ** Math.min(Math.max(attempt - 1, 0), 5));
}

/**
 * The gateway's command connection, used while serving requests: every command has a timeout, and a command
 * caught by a lost connection waits at most for one reconnect attempt (maxRetriesPerRequest 1) before it fails.
 * The offline queue serves the start only (RedisModule turns it off once connected): during an outage a command
 * fails at once. So requests answer 503 `unavailable` instead of hanging, and nothing piles up in memory.
 * Where the connection goes (one server, a cluster, Sentinel) is redis-topology.ts's business.
 */
export function requestClientOptions(timeouts: RedisTimeouts): RoleOptions {
  return {
    commandTimeout: timeouts.commandTimeoutMs,
    connectTimeout: timeouts.connectTimeoutMs,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    retryStrategy: reconnectDelay,
  };
}

/**
 * The connection of the blocking event-stream read (XREAD BLOCK): no command timeout (the read blocks on
 * purpose); instead ioredis ends a blocking read that outlives its own BLOCK time (plus a grace), so a dead
 * connection cannot hold it forever.
 */
export function blockingClientOptions(timeouts: RedisTimeouts): RoleOptions {
  return {
    blockingTimeout: timeouts.commandTimeoutMs,
    connectTimeout: timeouts.connectTimeoutMs,
    maxRetriesPerRequest: 1,
    retryStrategy: reconnectDelay,
  };
}

/**
 * BullMQ's connections (queue, workers and their blocking connection). BullMQ requires `maxRetriesPerRequest:
 * null` on workers (its commands wait for a reconnect; it retries on its own), and a command timeout would cut
 * its blocking BZPOPMIN short, so neither is bounded here: request handlers bound their own waits on the queue
 * (TaskQueue), and workers simply resume once Redis is back. Reconnects are as quick as the gateway's own.
 */
export function bullClientOptions(timeouts: RedisTimeouts): RoleOptions {
  return {
    connectTimeout: timeouts.connectTimeoutMs,
    maxRetriesPerRequest: null,
    retryStrategy: reconnectDelay,
  };
}

export function redisTimeouts(env: {
  redisCommandTimeoutMs: number;
  redisConnectTimeoutMs: number;
}): RedisTimeouts {
  return { commandTimeoutMs: env.redisCommandTimeoutMs, connectTimeoutMs: env.redisConnectTimeoutMs };
}
