import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { serversOf } from './redis-topology';

export type Persistence = 'aof' | 'no-aof' | 'unknown';

/** The one warning about a Redis without AOF (issue 12, point 13): what is lost, and what to do. */
export const NO_AOF_WARNING =
  'Redis runs without AOF (appendonly no): a Redis restart loses what was written since its last snapshot (all ' +
  'of it without snapshots): accepted tasks vanish unfinished, and with their idempotency records gone a client ' +
  'that retries a create with the same Idempotency-Key gets a second resource. Run Redis with `appendonly yes` ' +
  '(appendfsync everysec, or always) for anything but trying the gateway out.';

const SANDBOX_NOTE =
  " (The sandbox's embedded Redis, started when no Redis is configured, runs with appendonly no on purpose: it is for" +
  ' trying the gateway, not for real work.)';

/**
 * Reads `INFO persistence` of every server holding data (each primary of a cluster: INFO is per server, and one
 * shard without AOF loses its connections' tasks); any without AOF: `no-aof`. A managed Redis may refuse INFO
 * (CONFIG and INFO can be disabled): then `unknown`.
 */
export async function redisPersistence(redis: Redis): Promise<Persistence> {
  const answers = await Promise.all(serversOf(redis).map((server) => server.info('persistence')));
  const flags = answers.map((info) => /^aof_enabled:(\d)/m.exec(String(info))?.[1]);
  if (flags.includes('0')) return 'no-aof';
  return flags.length > 0 && flags.every((flag) => flag === '1') ? 'aof' : 'unknown';
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
