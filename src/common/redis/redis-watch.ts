import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { LogOncePerKind } from '../errors/log-once';
import { asRedisUnavailable } from '../errors/redis-unavailable';

type State = 'connecting' | 'up' | 'down' | 'stopped';

export interface RedisWatch {
  /** Our own shutdown: the connection closing from now on is not news. */
  stop(): void;
}

const describe = (error: Error) =>
  (error as NodeJS.ErrnoException).code ?? error.message.split('\n')[0].slice(0, 200);

/**
 * An `error` listener on an ioredis client (without one, ioredis prints every failed reconnect attempt as
 * `[ioredis] Unhandled error event`), logging its state changes once each: cannot connect or lost (warn, with
 * the first error), back (info). Reconnect attempts in between are not logged.
 */
export function watchRedisClient(client: EventEmitter, name: string, logger: Logger): RedisWatch {
  let state: State = 'connecting';
  const down = (error?: Error) => {
    if (state === 'down' || state === 'stopped') return;
    const detail = error ? `: ${describe(error)}` : '';
    logger.warn(
      { redis: name },
      state === 'connecting'
        ? `Redis connection '${name}' cannot connect${detail}; retrying (requests answer 503 unavailable until it works)`
        : `Redis connection '${name}' lost${detail}; reconnecting (requests answer 503 unavailable until it is back)`,
    );
    state = 'down';
  };
  client.on('error', (error: Error) => down(error));
  // A cluster client reports its nodes' own errors apart (it reroutes their slots, or reconnects as a whole when
  // none is left): logged once per node and minute, so a node that stays down does not flood the log.
  const nodeErrors = new LogOncePerKind();
  client.on('node error', (error: Error, node: string) =>
    nodeErrors.note(node, (suppressed) =>
      logger.warn(
        { redis: name, node, ...(suppressed ? { suppressed } : {}) },
        `Redis connection '${name}': cluster node ${node} failed: ${describe(error)}`,
      ),
    ),
  );
  client.on('close', () => {
    if (state === 'up') down();
  });
  client.on('ready', () => {
    if (state === 'down') logger.info({ redis: name }, `Redis connection '${name}' is back`);
    if (state !== 'stopped') state = 'up';
  });
  return {
    stop: () => {
      state = 'stopped';
    },
  };
}

/**
 * An `error` listener for BullMQ's queue and worker, which forward the errors of their own connections (each
 * reconnect attempt) and of their Redis scripts (each refused write while Redis is full): logged once per kind
 * and minute, with the count of those left out.
 */
export function bullErrorListener(name: string, logger: Logger): (error: Error) => void {
  const once = new LogOncePerKind();
  return (error: Error) => {
    const redis = asRedisUnavailable(error);
    const kind = redis ? redis.kind : describe(error);
    once.note(kind, (suppressed) =>
      logger.warn(
        { redis: name, kind, ...(suppressed ? { suppressed } : {}) },
        `BullMQ ${name}: ${redis ? `Redis unavailable (${redis.kind})` : 'error'}: ${describe(error)}`,
      ),
    );
  };
}
