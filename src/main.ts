import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServer } from 'node:net';
import type { Logger } from 'pino';
import { createApp } from './bootstrap/create-app';
import { installRejectionGuard } from './common/errors/process-guards';
import { createLogger } from './common/logging/logger';
import { ConfigError } from './config/config.error';
import { EnvError, listenFailure, readEnv } from './config/env';
import { loadGatewayConfig } from './config/load-config';
import { connectionKindSchemas } from './providers/registry/provider-kinds';
import type { Tracing } from './common/tracing/tracing-setup';
import type { SandboxRuntime } from '../sandbox/sandbox-runtime';

const SHUTDOWN_TIMEOUT_MS = 10_000;

/** The sandbox's "no redis-server on this machine" error, known by name so main.ts need not load the sandbox. */
const isSandboxSetupError = (error: unknown) => error instanceof Error && error.name === 'RedisMissingError';

function installShutdown(
  app: NestFastifyApplication,
  sandbox: SandboxRuntime | null,
  tracing: Tracing | null,
  logger: Logger,
): void {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      logger.warn(`${signal} again: exiting now`);
      process.exit(130);
    }
    stopping = true;
    logger.info(`${signal}: shutting down`);
    const timer = setTimeout(() => {
      logger.error('shutdown took too long: exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    // The app first (workers finish their current step and release their jobs), Redis last.
    await app.close().catch((error: unknown) => logger.error({ err: error }, 'closing the app failed'));
    await sandbox?.stop();
    // The spans of the last requests and steps, exported before the process ends.
    await tracing
      ?.shutdown()
      .catch((error: unknown) => logger.warn({ err: error }, 'flushing traces failed'));
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

/**
 * Binds the address once and lets it go: a taken port is reported before the sandbox starts Redis and the
 * simulators (app.listen still reports it, should another process take the port in between).
 */
function probeAddress(host: string, port: number): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

async function main(): Promise<void> {
  let env;
  try {
    env = readEnv();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  const logger = createLogger(env.logLevel, env.production);
  // An unhandled rejection (a Redis outage reaching a background chore) is logged, never the end of the process.
  installRejectionGuard(logger);
  let sandbox: SandboxRuntime | null = null;
  let app: NestFastifyApplication | null = null;
  // Only with an OTLP endpoint: without one the SDK is not even loaded (docs/design.md#tracing).
  const tracing = env.otlpEndpoint
    ? (await import('./common/tracing/tracing-setup.js')).startTracing({
        role: env.role,
        serviceName: env.otelServiceName,
        logger,
      })
    : null;
  try {
    await probeAddress(env.host, env.port);
    const kinds = connectionKindSchemas();
    // The simulators and the embedded Redis are loaded only in sandbox mode: a configured gateway never imports them.
    const sandboxModule = env.configPath ? null : await import('../sandbox/sandbox-runtime.js');
    const config = sandboxModule
      ? (sandbox = await sandboxModule.startSandbox(env, logger, kinds)).config
      : loadGatewayConfig(env, kinds);
    app = await createApp(config, logger);
    await app.listen({ port: env.port, host: env.host });
    installShutdown(app, sandbox, tracing, logger);
    logger.info(
      {
        role: env.role,
        host: env.host,
        port: env.port,
        sandbox: !!sandbox,
        tracing: !!tracing,
        providers: config.providers.map((p) => p.name),
      },
      'gateway ready',
    );
    if (sandbox)
      process.stdout.write((await import('../sandbox/banner.js')).sandboxBanner(sandbox, env) + '\n');
  } catch (error) {
    // The app first (its workers hold Redis connections), then the sandbox's simulators and Redis.
    await app?.close().catch(() => undefined);
    await sandbox?.stop();
    await tracing?.shutdown().catch(() => undefined);
    const listenProblem = listenFailure(error, env);
    if (listenProblem) {
      console.error(listenProblem);
      process.exit(2);
    }
    if (error instanceof ConfigError || error instanceof EnvError || isSandboxSetupError(error)) {
      console.error((error as Error).message);
      process.exit(2);
    }
    logger.fatal({ err: error }, 'the gateway failed to start');
    process.exit(1);
  }
}

void main();
