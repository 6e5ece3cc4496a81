import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { ConnectionKindSchema } from '../config/config.validator';
import { validateConfig } from '../config/config.validator';
import type { GatewayEnv } from '../config/env';
import type { GatewayConfig } from '../config/gateway-config';
import { findRedisBinary, startEmbeddedRedis, EmbeddedRedis } from './embedded-redis';
import type { SimulatorHandle } from './simulators/common/simulator';
import { SIMULATORS } from './simulators/simulator-kinds';

export interface SandboxRuntime {
  config: GatewayConfig;
  apiKey: string;
  simulators: SimulatorHandle[];
  /** The embedded Redis URL, or null when REDIS_URL was given. */
  embeddedRedisUrl: string | null;
  stop(): Promise<void>;
}

/**
 * The embedded default (DESIGN §5): one simulator per provider kind on loopback, a private Redis unless
 * REDIS_URL is set, and a config with connections `sandbox-<kind>` and one API key with every scope.
 */
export async function startSandbox(
  env: GatewayEnv,
  logger: Logger,
  kinds: ConnectionKindSchema[],
): Promise<SandboxRuntime> {
  const dir = resolve(env.sandboxDir);
  mkdirSync(dir, { recursive: true });
  const started: Array<{ stop(): Promise<void> }> = [];
  const stop = async () => {
    for (const item of started.reverse()) await item.stop().catch(() => undefined);
  };
  try {
    let redis: EmbeddedRedis | null = null;
    if (!env.redisUrl) {
      const binary = findRedisBinary({
        install: true,
        searchPath: env.searchPath,
        log: (line) => logger.info(line),
      });
      redis = await startEmbeddedRedis({ dir: join(dir, 'redis'), binary });
      started.push(redis);
    }
    const simulators: SimulatorHandle[] = [];
    for (const definition of SIMULATORS) {
      const handle = await definition.start({ speed: env.sandboxSpeed, dataDir: join(dir, definition.kind) });
      started.push(handle);
      simulators.push(handle);
    }
    const apiKey = env.sandboxKey ?? `sbx_${randomBytes(24).toString('base64url')}`;
    writeFileSync(join(dir, 'api-key'), `${apiKey}\n`, { mode: 0o600 });

    // Poll as often, relative to simulated time, as against a real backend.
    const tuning = {
      pollIntervalMs: Math.max(10, Math.round(1000 / env.sandboxSpeed)),
      maxPollIntervalMs: Math.max(50, Math.round(5000 / env.sandboxSpeed)),
    };
    const document = {
      apiKeys: [{ name: 'sandbox', key: apiKey, scopes: ['read', 'write'], providers: ['*'] }],
      providers: simulators.map((handle) => ({
        name: `sandbox-${handle.kind}`,
        ...handle.connection,
        ...tuning,
      })),
      server: { cors: { allowedOrigins: ['*'] } },
    };
    const redisUrl = env.redisUrl ?? redis!.url;
    const config = validateConfig(document, {
      env: { ...env, redisUrl },
      kinds,
      baseDir: dir,
      variables: {},
    });
    return {
      config: { ...config, sandbox: true },
      apiKey,
      simulators,
      embeddedRedisUrl: redis?.url ?? null,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
