import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { AppModule } from '../src/app.module';
import { buildOpenApiDocument } from '../src/bootstrap/openapi';
import { readEnv } from '../src/config/env';
import type { GatewayConfig } from '../src/config/gateway-config';

/**
 * Writes openapi/openapi.json from the code (Nest preview mode: nothing is instantiated, no Redis needed).
 * With --check it only compares, and fails when the committed file is stale.
 */
async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const env = { ...readEnv({}), role: 'all' as const };
  const config: GatewayConfig = {
    env,
    apiKeys: [],
    providers: [],
    server: {
      cors: { allowedOrigins: [], maxAgeSeconds: 600 },
      bodyLimitBytes: 65_536,
      trustProxy: false,
      rateLimitPerMinute: 0,
      authFailuresPerMinute: 0,
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      keepAliveTimeoutMs: 72_000,
      connectionTimeoutMs: 120_000,
    },
    tasks: {
      retentionHours: 24,
      workerConcurrency: 1,
      defaultDeadlineSeconds: 1800,
      maxDeadlineSeconds: 86_400,
      stalledIntervalMs: 30_000,
      lockDurationMs: 60_000,
    },
    cache: { freshMs: 5000, staleMs: 900_000, maxValueBytes: 8_388_608 },
    events: {
      retainEvents: 1000,
      tokenTtlSeconds: 300,
      maxStreams: 500,
      maxStreamsPerKey: 100,
      maxBufferedBytes: 262_144,
      drainTimeoutSeconds: 30,
      recheckSeconds: 30,
    },
    history: { retentionDays: 30, maxEntries: 500 },
    webhooks: {
      allowPrivateTargets: false,
      timeoutMs: 10_000,
      maxAttempts: 8,
      disableAfterFailures: 50,
      maxPerKey: 25,
      deliveryRetentionHours: 72,
    },
    sandbox: false,
  };
  const app = await NestFactory.create(
    AppModule.forRoot(config, pino({ level: 'silent' })),
    new FastifyAdapter(),
    { preview: true, logger: ['error'], abortOnError: false },
  );
  const document = await buildOpenApiDocument(app);
  await app.close();
  const text = `${JSON.stringify(document, null, 2)}\n`;
  const target = join(__dirname, '..', '..', 'openapi', 'openapi.json');
  if (check) {
    let committed = '';
    try {
      committed = readFileSync(target, 'utf8');
    } catch {
      // missing counts as stale
    }
    if (committed !== text) {
      console.error('openapi/openapi.json is stale: run `npm run openapi` and commit the result.');
      process.exit(1);
    }
    console.log('openapi/openapi.json is up to date.');
    return;
  }
  mkdirSync(join(target, '..'), { recursive: true });
  writeFileSync(target, text);
  console.log(`wrote ${target} (${Object.keys(document.paths).length} paths)`);
}

void main();
