import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export type Persistence = 'aof' | 'no-aof' | 'unknown';

/** The one warning about a Redis without AOF (issue 12, point 13): what is lost, and what to do. */
export const NO_AOF_WARNING =
  'Redis runs without AOF (appendonly no): a Redis restart loses what was written since its last snapshot (all ' +
  'of it without snapshots): accepted tasks vanish unfinished, and with their idempotency records gone a client ' +
  'that retries a create with the same Idempotency-Key gets a second resource. Run Redis with `appendonly yes` ' +
  '(appendfsync everysec, or always) for anything but trying the gateway out.';

const SANDBOX_NOTE =
  " (The sandbox's embedded Redis, started when REDIS_URL is not set, runs with appendonly no on purpose: it is for" +
  ' trying the gateway, not for real work.)';

/** Reads `INFO persistence`; a managed Redis may refuse it (CONFIG and INFO can be disabled): then `unknown`. */
export async function redisPersistence(redis: Redis): Promise<Persistence> {
  const info = await redis.info('persistence');
  const aof = /^aof_enabled:(\d)/m.exec(String(info))?.[1];
  return aof === '1' ? 'aof' : aof === '0' ? 'no-aof' : 'unknown';
}

/**
 * Warns once, loudly, at start-up when Redis has no AOF; says so too when the setting cannot be read. Waits for
 * the connection when Redis is not up yet; never fails the start.
 */
export function warnWithoutPersistence(redis: Redis, logger: Logger, sandbox: boolean): Promise<Persistence> {
  const check = async (): Promise<Persistence> => {
    let persistence: Persistence;
    try {
      persistence = await redisPersistence(redis);
    } catch (error) {
      logger.warn(
        { redis: 'gateway', error: (error as Error).message },
        'Could not read Redis persistence settings (INFO persistence): make sure Redis runs with appendonly yes, ' +
          'or a restart loses accepted tasks.',
      );
      return 'unknown';
    }
    if (persistence === 'no-aof')
      logger.warn({ redis: 'aof_enabled:0' }, NO_AOF_WARNING + (sandbox ? SANDBOX_NOTE : ''));
    return persistence;
  };
  if (redis.status === 'ready') return check();
  return new Promise((resolve) => redis.once('ready', () => void check().then(resolve)));
}
