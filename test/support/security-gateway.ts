import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import { createApp } from '../../src/bootstrap/create-app';
import { REDACT_PATHS } from '../../src/common/logging/logger';
import { validateConfig } from '../../src/config/config.validator';
import { readEnv } from '../../src/config/env';
import { connectionKindSchemas } from '../../src/providers/registry/provider-kinds';
import {
  startCloudmcSimulator,
  type CloudmcSimulatorHandle,
} from '../../sandbox/simulators/cloudmc/cloudmc.simulator';
import {
  startCloudsigmaSimulator,
  type CloudsigmaSimulatorHandle,
} from '../../sandbox/simulators/cloudsigma/cloudsigma.simulator';
import type { SimulatorHandle } from '../../sandbox/simulators/common/simulator';
import {
  startDcimanagerSimulator,
  type DcimanagerSimulatorHandle,
} from '../../sandbox/simulators/dcimanager/dcimanager.simulator';
import { startImcoSimulator, type ImcoSimulatorHandle } from '../../sandbox/simulators/imco/imco.simulator';
import { workerRedisUrl } from './gateway';

/** One connection per backend kind; every security test runs against all four. */
export const CONNECTIONS = {
  cloudmc: 'sec-cloudmc',
  cloudsigma: 'sec-cloudsigma',
  dcimanager: 'sec-dcimanager',
  imco: 'sec-imco',
} as const;
export type Kind = keyof typeof CONNECTIONS;
export const KINDS = Object.keys(CONNECTIONS) as Kind[];
export const NAMES = KINDS.map((kind) => CONNECTIONS[kind]);

/** Random per run, so that a scan cannot match a key that happens to sit in a fixture or in the source. */
const newKey = (label: string) => `sk-${label}-${randomBytes(24).toString('base64url')}`;

export interface SecurityKeys {
  admin: string;
  /** Read-only, every connection. */
  reader: string;
  /** Read and write, one connection each (by connection name). */
  tenant: Record<string, string>;
  /** Read-only, one connection each. */
  tenantReader: Record<string, string>;
}

export interface Simulators {
  cloudmc: CloudmcSimulatorHandle;
  cloudsigma: CloudsigmaSimulatorHandle;
  dcimanager: DcimanagerSimulatorHandle;
  imco: ImcoSimulatorHandle;
}

export interface SecurityGateway {
  baseUrl: string;
  redisUrl: string;
  keys: SecurityKeys;
  /** `tasks.secretKey`: encrypts the secrets clients give while their task runs (a secret itself). */
  taskSecretKey: string;
  sims: Simulators;
  /** Simulator handle by connection name. */
  simOf(connection: string): SimulatorHandle;
  /** Every line the gateway logged (JSON, most verbose level, production redaction). */
  logLines: string[];
  close(): Promise<void>;
}

export interface SecurityGatewayOptions {
  speed?: number;
  /** Lifetime of event tokens (config `events.tokenTtlSeconds`, 10 at least). */
  tokenTtlSeconds?: number;
  /** Called with the simulators before the gateway starts (and logs in anywhere), e.g. to spy on them. */
  beforeGateway?(sims: Simulators): void;
}

/**
 * A gateway on loopback over all four simulators, with per-connection keys and its log captured. Like
 * test/support/gateway.ts, but that one has fixed keys for two connections and a silent logger.
 */
export async function startSecurityGateway(options: SecurityGatewayOptions = {}): Promise<SecurityGateway> {
  const speed = options.speed ?? 50;
  const redisUrl = workerRedisUrl();
  const redis = new Redis(redisUrl);
  await redis.flushdb();
  redis.disconnect();

  const imcoDir = mkdtempSync(join(tmpdir(), 'cloudmux-security-imco-'));
  const sims: Simulators = {
    cloudmc: await startCloudmcSimulator({ speed }),
    cloudsigma: await startCloudsigmaSimulator({ speed }),
    dcimanager: await startDcimanagerSimulator({ speed }),
    imco: await startImcoSimulator({ speed, dataDir: imcoDir }),
  };
  options.beforeGateway?.(sims);
  const byName = new Map<string, SimulatorHandle>(KINDS.map((kind) => [CONNECTIONS[kind], sims[kind]]));

  const keys: SecurityKeys = {
    admin: newKey('admin'),
    reader: newKey('reader'),
    tenant: Object.fromEntries(NAMES.map((name) => [name, newKey(`tenant-${name}`)])),
    tenantReader: Object.fromEntries(NAMES.map((name) => [name, newKey(`reader-${name}`)])),
  };
  const taskSecretKey = randomBytes(32).toString('base64');
  const document = {
    apiKeys: [
      { name: 'admin', key: keys.admin, scopes: ['read', 'write'], providers: ['*'] },
      { name: 'reader', key: keys.reader, scopes: ['read'], providers: ['*'] },
      ...NAMES.map((name) => ({
        name: `tenant-${name}`,
        key: keys.tenant[name],
        scopes: ['read', 'write'],
        providers: [name],
      })),
      ...NAMES.map((name) => ({
        name: `reader-${name}`,
        key: keys.tenantReader[name],
        scopes: ['read'],
        providers: [name],
      })),
    ],
    providers: NAMES.map((name) => ({
      name,
      ...byName.get(name)!.connection,
      pollIntervalMs: Math.max(10, Math.round(1000 / speed)),
      maxPollIntervalMs: Math.max(20, Math.round(5000 / speed)),
      timeoutMs: 5_000,
      retries: 1,
      listDeadlineMs: 2_000,
      // The secrets suite makes backends fail on purpose; an open breaker would hide later calls.
      breakerFailures: 1000,
    })),
    // Tenancy and secrets send many requests without a valid key from one address on purpose (each must answer
    // 401); the per-address limit of those is auth-failures.security.spec.ts's subject.
    server: { bodyLimitBytes: 65_536, authFailuresPerMinute: 1_000 },
    tasks: { stalledIntervalMs: 2_000, lockDurationMs: 5_000, secretKey: taskSecretKey },
    cache: { freshMs: 1_000, staleMs: 60_000 },
    events: { tokenTtlSeconds: options.tokenTtlSeconds ?? 300 },
  };
  const config = validateConfig(document, {
    env: { ...readEnv({}), redisUrl, role: 'all' },
    kinds: connectionKindSchemas(),
    baseDir: process.cwd(),
    variables: {},
  });

  // The production logger's redaction (src/common/logging/logger.ts), at the most verbose level, into memory.
  const logLines: string[] = [];
  const logger = pino(
    {
      level: 'trace',
      base: { service: 'cloudmux-gateway' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    { write: (line: string) => void logLines.push(line) },
  );
  const stopSimulators = async () => {
    for (const handle of Object.values(sims) as SimulatorHandle[]) await handle.stop();
    rmSync(imcoDir, { recursive: true, force: true });
  };
  let app: NestFastifyApplication;
  try {
    app = await createApp(config, logger);
    await app.listen({ host: '127.0.0.1', port: 0 });
  } catch (error) {
    await stopSimulators();
    throw error;
  }
  const { port } = app.getHttpServer().address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    redisUrl,
    keys,
    taskSecretKey,
    sims,
    simOf: (connection) => byName.get(connection)!,
    logLines,
    async close() {
      await app.close();
      await stopSimulators();
    },
  };
}
