import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { ConnectionKindSchema } from '../src/config/config.validator';
import { validateConfig } from '../src/config/config.validator';
import type { GatewayEnv } from '../src/config/env';
import type { GatewayConfig } from '../src/config/gateway-config';
import type { ProviderKind } from '../src/domain/states';
import { findRedisBinary, startEmbeddedRedis, EmbeddedRedis } from './embedded-redis';
import type { SimulatorHandle } from './simulators/common/simulator';
import { SIMULATORS } from './simulators/simulator-kinds';

/** One simulated backend as a user's own tools (the backend's CLI or SDK) reach it: `providers.json`. */
export interface SandboxConnection {
  /** The gateway's connection name (`sandbox-<kind>`). */
  name: string;
  kind: ProviderKind;
  /** The backend API's base URL. */
  endpoint: string;
  /** The simulator's control API (fault injection, state, reset; not part of the real backend). */
  control: string;
  /**
   * What a client of the backend needs besides the endpoint, as in a gateway connection block: CloudMC `apiKey`
   * (with `serviceCode`, `environment`), CloudSigma and DCImanager `email` and `password`, IMCO `tls` file paths.
   */
  credentials: Record<string, unknown>;
}

export interface SandboxRuntime {
  config: GatewayConfig;
  apiKey: string;
  /** Where the API key is kept (reused by the next start). */
  apiKeyFile: string;
  /** Where `connections` are written (mode 0600). */
  providersFile: string;
  connections: SandboxConnection[];
  simulators: SimulatorHandle[];
  /** The embedded Redis URL, or null when a Redis was configured (REDIS_URL, REDIS_CLUSTER_NODES, REDIS_SENTINELS). */
  embeddedRedisUrl: string | null;
  stop(): Promise<void>;
}

/** A key the gateway config accepts (16 to 512 visible ASCII characters), as a Bearer token carries it. */
const USABLE_KEY = /^[\x21-\x7E]{16,512}$/;

/** Written with mode 0600, also when the file existed with a wider one. */
function writePrivate(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** GATEWAY_SANDBOX_KEY, else the key kept from the last start, else a new one. */
function sandboxKey(env: GatewayEnv, file: string): string {
  if (env.sandboxKey) return env.sandboxKey;
  let kept: string | undefined;
  try {
    kept = readFileSync(file, 'utf8').trim();
  } catch {
    kept = undefined;
  }
  return kept && USABLE_KEY.test(kept) ? kept : `sbx_${randomBytes(24).toString('base64url')}`;
}

/** 32 bytes in base64, as `tasks.secretKey` takes it. */
const USABLE_TASK_SECRET_KEY = /^[A-Za-z0-9+/]{43}=$/;

/**
 * The key that encrypts the secrets clients give (a DCImanager root password) while their task runs: kept from
 * the last start, so that tasks still open in the sandbox's Redis can be finished, else a new one.
 */
function taskSecretKey(file: string): string {
  let kept: string | undefined;
  try {
    kept = readFileSync(file, 'utf8').trim();
  } catch {
    kept = undefined;
  }
  return kept && USABLE_TASK_SECRET_KEY.test(kept) ? kept : randomBytes(32).toString('base64');
}

function connectionOf(handle: SimulatorHandle): SandboxConnection {
  const { kind: _kind, endpoint, ...credentials } = handle.connection;
  return {
    name: `sandbox-${handle.kind}`,
    kind: handle.kind,
    endpoint: String(endpoint),
    control: `${handle.url}/__sim`,
    credentials,
  };
}

/**
 * The embedded default (docs/design.md#the-sandbox): one simulator per provider kind on loopback, a private Redis unless
 * one is configured (REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS), and a config with connections
 * `sandbox-<kind>` and one API key with every scope.
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
    // A configured Redis (REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS) is used as it is.
    if (!env.redis) {
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
    const apiKeyFile = join(env.sandboxDir, 'api-key');
    const apiKey = sandboxKey(env, join(dir, 'api-key'));
    writePrivate(join(dir, 'api-key'), `${apiKey}\n`);
    const secretKey = taskSecretKey(join(dir, 'tasks-secret-key'));
    writePrivate(join(dir, 'tasks-secret-key'), `${secretKey}\n`);
    // For the backends' own CLIs and SDKs: each simulator's endpoint and credentials.
    const connections = simulators.map(connectionOf);
    const providersFile = join(env.sandboxDir, 'providers.json');
    writePrivate(join(dir, 'providers.json'), `${JSON.stringify(connections, null, 2)}\n`);

    // Poll as often, relative to simulated time, as against a real backend.
    const tuning = {
      pollIntervalMs: Math.max(10, Math.round(1000 / env.sandboxSpeed)),
      maxPollIntervalMs: Math.max(50, Math.round(5000 / env.sandboxSpeed)),
    };
    const document = {
      apiKeys: [{ name: 'sandbox', key: apiKey, scopes: ['read', 'write'], providers: ['*'] }],
      providers: simulators.map((handle, i) => ({
        name: connections[i].name,
        ...handle.connection,
        ...tuning,
      })),
      server: { cors: { allowedOrigins: ['*'] } },
      tasks: { secretKey },
      // Receivers on this machine are what a sandbox is for (docs/design.md#webhooks).
      webhooks: { allowPrivateTargets: true },
    };
    const config = validateConfig(document, {
      env: redis
        ? { ...env, redisUrl: redis.url, redis: { topology: { kind: 'single', url: redis.url }, tls: false } }
        : env,
      kinds,
      baseDir: dir,
      variables: {},
    });
    return {
      config: { ...config, sandbox: true },
      apiKey,
      apiKeyFile,
      providersFile,
      connections,
      simulators,
      embeddedRedisUrl: redis?.url ?? null,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
