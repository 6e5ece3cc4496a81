import type { Logger } from 'pino';
import { LogOncePerKind } from './log-once';
import { asRedisUnavailable } from './redis-unavailable';

function kindOf(reason: unknown): string {
  const redis = asRedisUnavailable(reason);
  if (redis) return `redis:${redis.kind}`;
  if (reason instanceof Error) return `${reason.name}: ${reason.message.split('\n')[0].slice(0, 120)}`;
  return typeof reason;
}

/**
 * A promise rejection nobody handled must not end the process (Node's default since v15): one failed background
 * chore would take every request and running task with it. It is logged, once per kind and window (a Redis
 * outage must not flood the log), and the gateway keeps serving. Returns a function that removes the listener.
 */
export function installRejectionGuard(logger: Logger, target: NodeJS.EventEmitter = process): () => void {
  const once = new LogOncePerKind();
  const onRejection = (reason: unknown) => {
    const kind = kindOf(reason);
    once.note(kind, (suppressed) => {
      const fields = { err: reason, kind, ...(suppressed ? { suppressed } : {}) };
      if (kind.startsWith('redis:'))
        logger.warn(fields, 'unhandled rejection (Redis unavailable); the gateway keeps serving');
      else logger.error(fields, 'unhandled rejection (a gateway fault); the gateway keeps serving');
    });
  };
  target.on('unhandledRejection', onRejection);
  return () => target.off('unhandledRejection', onRejection);
}
