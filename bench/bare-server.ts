import Fastify from 'fastify';
import { readFileSync } from 'node:fs';

/**
 * The baseline of the cached-list scenario, in its own process like the gateway: a bare Fastify JSON endpoint
 * serving the payload in the file named by the first argument. Prints `BARE READY <port>`.
 */
async function main(): Promise<void> {
  const body = readFileSync(process.argv[2], 'utf8');
  const app = Fastify({ logger: false });
  app.get('/v1/servers', async (_request, reply) =>
    reply.header('content-type', 'application/json; charset=utf-8').send(body),
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`BARE READY ${(app.server.address() as { port: number }).port}\n`);
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

void main();
