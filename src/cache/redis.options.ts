/** Connection settings both ioredis and BullMQ accept, from one URL (`redis://`, `rediss://`, `unix://`). */
export interface RedisConnectionSettings {
  host?: string;
  port?: number;
  path?: string;
  username?: string;
  password?: string;
  db?: number;
  tls?: Record<string, never>;
  /** Required by BullMQ workers: commands wait for a reconnect instead of failing after N retries. */
  maxRetriesPerRequest: null;
}

export function redisOptionsFromUrl(url: string): RedisConnectionSettings {
  if (url.startsWith('unix://')) return { path: url.slice('unix://'.length), maxRetriesPerRequest: null };
  const parsed = new URL(url);
  const options: RedisConnectionSettings = {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 6379,
    maxRetriesPerRequest: null,
  };
  if (parsed.username) options.username = decodeURIComponent(parsed.username);
  if (parsed.password) options.password = decodeURIComponent(parsed.password);
  const db = parsed.pathname.replace('/', '');
  if (db) options.db = Number(db);
  if (parsed.protocol === 'rediss:') options.tls = {};
  return options;
}
