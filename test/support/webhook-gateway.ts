import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createApp } from '../../src/bootstrap/create-app';
import { REDACT_PATHS } from '../../src/common/logging/logger';
import { WEBHOOK_RESOLVER, type WebhookResolver } from '../../src/webhooks/target-resolver';
import { startTestGateway, type TestGateway, type TestGatewayOptions } from './gateway';

export interface WebhookGateway {
  baseUrl: string;
  redisUrl: string;
  /** The simulators and the config (its own app serves the API role only and is not used). */
  base: TestGateway;
  /** The resolver every webhook check and attempt of this gateway uses: spy on `lookup` to steer names. */
  resolver: WebhookResolver;
  /** Every line the gateway logged (JSON, trace level, the production redaction). */
  logLines: string[];
  close(): Promise<void>;
}

/**
 * A test gateway (API and workers in one process, role `all`) whose webhook resolver a test can reach, e.g. to
 * make a name resolve to a public address at registration and to 127.0.0.1 at delivery (DNS rebinding), and
 * whose log is kept in memory. The simulators and the config come from `startTestGateway`, which is started in
 * the API role only beside it, so that this one's workers are the only ones.
 */
export async function startWebhookGateway(options: TestGatewayOptions): Promise<WebhookGateway> {
  const logLines: string[] = [];
  const logger = pino(
    {
      level: 'trace',
      base: { service: 'cloudmux-gateway' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    { write: (line: string) => void logLines.push(line) },
  );
  const base = await startTestGateway({ ...options, role: 'api', logger });
  let app: NestFastifyApplication;
  try {
    app = await createApp({ ...base.config, env: { ...base.config.env, role: 'all' } }, logger);
    await app.listen({ host: '127.0.0.1', port: 0 });
  } catch (error) {
    await base.close();
    throw error;
  }
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    redisUrl: base.redisUrl,
    base,
    resolver: app.get<WebhookResolver>(WEBHOOK_RESOLVER),
    logLines,
    async close() {
      await app.close();
      await base.close();
    },
  };
}
