import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRedisBinary, startEmbeddedRedis } from '../../sandbox/embedded-redis';

/** One Redis for the whole e2e run (each test file takes its own database, see gateway.ts). */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_REDIS_URL) return;
  const binary = findRedisBinary({
    install: false,
    searchPath: process.env.PATH ?? '',
    log: () => undefined,
  });
  const redis = await startEmbeddedRedis({
    dir: mkdtempSync(join(tmpdir(), 'cloudmux-test-redis-')),
    binary,
  });
  process.env.TEST_REDIS_URL = redis.url;
  (globalThis as { __testRedis?: typeof redis }).__testRedis = redis;
}
