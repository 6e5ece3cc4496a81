import Fastify, { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { ErrorBody, FaultInjector } from './fault-injector';

export interface SimServerOptions {
  host?: string;
  port?: number;
  /** Builds the provider's own error body for injected errors. */
  errorBody: ErrorBody;
  /** Restores the seeded state (`POST /__sim/reset`). */
  reset(): void;
  /** Extra simulator-specific state for `GET /__sim/state` (counts of resources, for tests). */
  describe?(): Record<string, unknown>;
  /** Simulator-specific settings changed through `POST /__sim/config` (e.g. task lifetime). */
  configure?(settings: Record<string, unknown>): void;
  /** TLS options for HTTPS simulators (IMCO). */
  https?: Record<string, unknown>;
}

/** Counts requests per method and route pattern, for tests that assert how a client uses the API. */
export class RequestStats {
  private counts = new Map<string, number>();

  record(method: string, route: string): void {
    const key = `${method} ${route}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort());
  }

  reset(): void {
    this.counts.clear();
  }
}

export interface SimServer {
  app: FastifyInstance;
  faults: FaultInjector;
  stats: RequestStats;
  /** Starts listening; resolves with the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/**
 * The HTTP(S) server every simulator runs on: the provider's routes (registered by the simulator) plus a
 * `/__sim/` control API for faults, stats, config and reset that the real backends do not have.
 */
export function createSimServer(options: SimServerOptions): SimServer {
  const app = Fastify({
    logger: false,
    https: options.https ?? null,
    bodyLimit: 4 * 1024 * 1024,
  } as never) as unknown as FastifyInstance;
  const faults = new FaultInjector(options.errorBody);
  const stats = new RequestStats();

  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/__sim'))
      stats.record(request.method, request.routeOptions?.url ?? request.url.split('?')[0]);
    if (await faults.apply(request, reply)) return reply;
  });

  app.get('/__sim/faults', async () => ({ faults: faults.list() }));
  app.post('/__sim/faults', async (request, reply) => {
    try {
      return await reply.status(201).send(faults.add(request.body ?? {}));
    } catch (error) {
      return reply.status(400).send({ error: (error as Error).message });
    }
  });
  app.delete('/__sim/faults', async () => {
    faults.clear();
    return { cleared: true };
  });
  app.delete<{ Params: { id: string } }>('/__sim/faults/:id', async (request, reply) =>
    faults.remove(request.params.id)
      ? { removed: request.params.id }
      : reply.status(404).send({ error: 'no such fault' }),
  );
  app.get('/__sim/stats', async () => ({ requests: stats.snapshot() }));
  app.delete('/__sim/stats', async () => {
    stats.reset();
    return { cleared: true };
  });
  app.get('/__sim/state', async () => options.describe?.() ?? {});
  app.post('/__sim/config', async (request, reply) => {
    try {
      options.configure?.((request.body ?? {}) as Record<string, unknown>);
      return { configured: true };
    } catch (error) {
      return reply.status(400).send({ error: (error as Error).message });
    }
  });
  app.post('/__sim/reset', async () => {
    faults.clear();
    stats.reset();
    options.reset();
    return { reset: true };
  });

  return {
    app,
    faults,
    stats,
    async listen() {
      await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
      const address = app.server.address() as AddressInfo;
      return `${options.https ? 'https' : 'http'}://${options.host ?? '127.0.0.1'}:${address.port}`;
    },
    async close() {
      faults.clear();
      await app.close();
    },
  };
}
