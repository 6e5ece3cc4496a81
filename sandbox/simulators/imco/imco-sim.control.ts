import type { FastifyInstance } from 'fastify';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A plain-HTTP listener for the `/__sim/` control API only. The API itself demands a client certificate, and
 * the shared test helpers (and curl users) drive simulators without one; the requests are handed to the same
 * Fastify app, so faults, stats and state are shared with the HTTPS side.
 */
export interface ControlListener {
  url: string;
  close(): Promise<void>;
}

export async function listenForControl(
  app: FastifyInstance,
  host: string,
  port: number,
): Promise<ControlListener> {
  await app.ready();
  const server: Server = createServer((request, response) => {
    if (!request.url?.startsWith('/__sim')) {
      response.writeHead(404, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ error: 'This port serves only /__sim; the API needs mutual TLS' }));
      return;
    }
    app.routing(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
