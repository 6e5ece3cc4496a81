import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

export const API_VERSION = '1.0.0';

const DESCRIPTION = `One REST API for servers, volumes, networks, IP addresses and tasks over IMCO, CloudMC,
DCImanager and CloudSigma.

* Resource ids are \`<connection>:<nativeId>\`; every resource keeps the backend's raw state in \`providerState\`.
* Every mutation answers \`202 Accepted\` with a durable **task** and \`Location: /v1/tasks/{id}\`. Send
  \`Prefer: wait=N\` to get the finished task (200) when it ends within N seconds, and \`Idempotency-Key\` to make
  retries safe (same key and body within 24 h: the same task; another body: 422).
* Lists span every connection the API key may see; \`providers[]\` says which answered, which failed and which
  are served stale from cache.
* Errors are RFC 9457 \`application/problem+json\` with a stable \`code\` and \`retryable\`.
* Task events stream as Server-Sent Events from \`/v1/events\` (resumable with \`Last-Event-ID\`).`;

/** Loads the Swagger plugin's metadata (generated into src/metadata.ts by `npm run generate`). */
async function loadMetadata(): Promise<void> {
  // The path is built at run time so the compiler does not require the generated file to exist.
  const modulePath = '../metadata';
  const loaded = (await import(modulePath)) as { default: () => Promise<Record<string, unknown>> };
  await SwaggerModule.loadPluginMetadata(loaded.default);
}

export async function buildOpenApiDocument(app: INestApplication): Promise<OpenAPIObject> {
  await loadMetadata();
  const config = new DocumentBuilder()
    .setTitle('cloudmux gateway')
    .setDescription(DESCRIPTION)
    .setVersion(API_VERSION)
    .setLicense('Proprietary', 'https://cloudmux.dev/license')
    .setContact('Platform team', 'https://cloudmux.dev', 'platform@cloudmux.dev')
    .addServer('http://localhost:3000', 'Local sandbox')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'A gateway API key' })
    .addTag('servers', 'Virtual and bare-metal servers')
    .addTag('volumes', 'Block volumes (disks, drives)')
    .addTag('networks', 'Networks (tiers, VPCs, VLANs, IP networks)')
    .addTag('ips', 'IP addresses (public, floating, static)')
    .addTag('tasks', 'Durable tasks of every mutation')
    .addTag('events', 'Server-Sent Events of task changes')
    .addTag('providers', 'Provider connections, capabilities and catalogs')
    .addTag('health', 'Liveness and readiness')
    .build();
  return SwaggerModule.createDocument(app, config, { operationIdFactory: (_controller, method) => method });
}
