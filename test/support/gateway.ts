import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { createApp } from '../../src/bootstrap/create-app';
import { validateConfig } from '../../src/config/config.validator';
import { readEnv, type GatewayEnv, type GatewayRole, type RedisSettings } from '../../src/config/env';
import type { GatewayConfig } from '../../src/config/gateway-config';
import { connectionKindSchemas } from '../../src/providers/registry/provider-kinds';
import type { SimulatorDefinition, SimulatorHandle } from '../../sandbox/simulators/common/simulator';
import { SIMULATORS } from '../../sandbox/simulators/simulator-kinds';

/** API keys every test gateway has: all rights, read-only, and one per connection (tenancy). */
export const KEYS = {
  admin: 'test-admin-key-0000000000000000',
  reader: 'test-reader-key-000000000000000',
  tenantA: 'test-tenant-a-key-0000000000000',
  tenantB: 'test-tenant-b-key-0000000000000',
} as const;

export interface TestConnection {
  name: string;
  kind: string;
}

export interface TestGateway {
  baseUrl: string;
  /** The one Redis server of the gateway; empty when it runs on a topology of the test's own (`redis`). */
  redisUrl: string;
  config: GatewayConfig;
  simulators: Map<string, SimulatorHandle>;
  /** The YAML-ready config document (for child gateway processes). */
  document: Record<string, unknown>;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  /** Connections to simulate, e.g. [{ name: 'cm-a', kind: 'cloudmc' }]. Key tenantA sees the first, tenantB the second. */
  connections: TestConnection[];
  speed?: number;
  role?: GatewayRole;
  /** Reuse running simulators instead of starting new ones (a second gateway process on the same backends). */
  reuse?: Pick<TestGateway, 'simulators'>;
  tasks?: Record<string, unknown>;
  cache?: Record<string, unknown>;
  /** Connection tuning fields applied to every connection (e.g. `breakerFailures`). */
  tuning?: Record<string, unknown>;
  server?: Record<string, unknown>;
  /** Event settings (`events`), e.g. a short `tokenTtlSeconds` or small stream caps. */
  events?: Record<string, unknown>;
  /** Webhook settings (`webhooks`), e.g. `allowPrivateTargets: true` for a receiver on loopback. */
  webhooks?: Record<string, unknown>;
  /** Names of the standard API keys (`admin`, `reader`, `tenant-a`, `tenant-b`) to leave out of the config. */
  withoutKeys?: string[];
  /** A Redis of the test's own (e.g. with AOF in a temp folder) instead of this jest worker's database. */
  redisUrl?: string;
  /**
   * A Redis Cluster or Sentinel set of the test's own (test/support/redis-topology.ts), fresh, so not flushed; in
   * place of `redisUrl`.
   */
  redis?: RedisSettings;
  /** Where the gateway logs (default: silent, or TEST_LOG_LEVEL), e.g. to read its warnings. */
  logger?: Logger;
  /** Environment fields over the defaults (e.g. Redis timeouts). */
  env?: Partial<GatewayEnv>;
}

/** Redis database of this jest worker, so that test files running in parallel do not share keys. */
export function workerRedisUrl(): string {
  const base = process.env.TEST_REDIS_URL;
  if (!base) throw new Error('TEST_REDIS_URL is not set: e2e tests run through jest globalSetup');
  return `${base}/${Number(process.env.JEST_WORKER_ID ?? '1') % 16}`;
}

function simulatorOf(kind: string): SimulatorDefinition {
  const definition = SIMULATORS.find((s) => (s.kind as string) === kind);
  if (!definition) throw new Error(`no simulator for ${kind}`);
  return definition;
}

/** Key of the task secrets (`tasks.secretKey`), one per test process: every gateway of a test shares it. */
const TASK_SECRET_KEY = randomBytes(32).toString('base64');

const definedOnly = (fields: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));

/** A gateway served on loopback with simulated providers and a real Redis. */
export async function startTestGateway(options: TestGatewayOptions): Promise<TestGateway> {
  const speed = options.speed ?? 50;
  const redisUrl = options.redis ? '' : (options.redisUrl ?? workerRedisUrl());
  const simulators = options.reuse?.simulators ?? new Map<string, SimulatorHandle>();
  // The simulators' files (IMCO's certificates) in a folder of this gateway's own, removed by close().
  const dataDir = options.reuse ? null : mkdtempSync(join(tmpdir(), 'cloudmux-test-sim-'));
  // What this call started is stopped again if the gateway fails to come up: a leaked simulator keeps jest alive.
  const abandon = async () => {
    if (!dataDir) return;
    for (const handle of simulators.values()) await handle.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    return await startOn(options, speed, redisUrl, simulators, dataDir, abandon);
  } catch (error) {
    await abandon();
    throw error;
  }
}

async function startOn(
  options: TestGatewayOptions,
  speed: number,
  redisUrl: string,
  simulators: Map<string, SimulatorHandle>,
  dataDir: string | null,
  abandon: () => Promise<void>,
): Promise<TestGateway> {
  if (dataDir) {
    if (redisUrl) {
      const redis = new Redis(redisUrl);
      await redis.flushdb();
      redis.disconnect();
    }
    for (const connection of options.connections) {
      simulators.set(
        connection.name,
        await simulatorOf(connection.kind).start({
          speed,
          dataDir: join(dataDir, connection.name),
        }),
      );
    }
  }
  const [first, second] = options.connections.map((c) => c.name);
  const document = {
    apiKeys: [
      { name: 'admin', key: KEYS.admin, scopes: ['read', 'write'], providers: ['*'] },
      { name: 'reader', key: KEYS.reader, scopes: ['read'], providers: ['*'] },
      { name: 'tenant-a', key: KEYS.tenantA, scopes: ['read', 'write'], providers: [first] },
      { name: 'tenant-b', key: KEYS.tenantB, scopes: ['read', 'write'], providers: [second ?? first] },
    ].filter((key) => !options.withoutKeys?.includes(key.name)),
    providers: options.connections.map((c) => ({
      name: c.name,
      ...simulators.get(c.name)!.connection,
      pollIntervalMs: Math.max(10, Math.round(1000 / speed)),
      maxPollIntervalMs: Math.max(20, Math.round(5000 / speed)),
      timeoutMs: 5_000,
      retries: 1,
      listDeadlineMs: 2_000,
      ...options.tuning,
    })),
    server: {
      cors: { allowedOrigins: ['https://app.example.com'] },
      bodyLimitBytes: 65_536,
      // Suites send wrong keys on purpose by the hundred (fuzz): the per-address limit only where a test asks.
      authFailuresPerMinute: 0,
      ...options.server,
    },
    // A field set to undefined in `options.tasks` is left out (e.g. `secretKey: undefined`: a gateway without one).
    tasks: definedOnly({
      stalledIntervalMs: 2_000,
      lockDurationMs: 5_000,
      secretKey: TASK_SECRET_KEY,
      ...options.tasks,
    }),
    cache: { freshMs: 1_000, staleMs: 60_000, ...options.cache },
    events: { ...options.events },
    webhooks: { ...options.webhooks },
  };
  const env = {
    ...readEnv({}),
    ...options.env,
    ...(options.redis ? { redisUrl: undefined, redis: options.redis } : { redisUrl }),
    role: options.role ?? 'all',
  };
  const config = validateConfig(document, {
    env,
    kinds: connectionKindSchemas(),
    baseDir: process.cwd(),
    variables: {},
  });
  const app: NestFastifyApplication = await createApp(
    config,
    options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  );
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    redisUrl,
    config,
    simulators,
    document,
    async close() {
      await app.close();
      await abandon();
    },
  };
}

/** Calls a simulator's control API (`/__sim/...`). */
export async function sim(
  handle: SimulatorHandle,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const response = await fetch(`${handle.url}/__sim${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok)
    throw new Error(`simulator ${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}
