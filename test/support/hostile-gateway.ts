import { Redis } from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SimulatorHandle } from '../../sandbox/simulators/common/simulator';
import { SIMULATORS } from '../../sandbox/simulators/simulator-kinds';
import { KEYS, startTestGateway, workerRedisUrl, type TestGateway, type TestGatewayOptions } from './gateway';
import { startTricklingBackend, type TricklingBackend } from './trickling-backend';

/** The API keys of the test gateway; `admin` may do anything. */
export { KEYS };

/** A gateway over one CloudMC simulator reached through a backend that trickles the answers its rules name. */
export interface HostileGateway {
  gateway: TestGateway;
  baseUrl: string;
  /** Connection name (`hostile`): resource ids are `hostile:<nativeId>`. */
  connection: string;
  simulator: SimulatorHandle;
  backend: TricklingBackend;
  close(): Promise<void>;
}

export const HOSTILE_CONNECTION = 'hostile';

export async function startHostileGateway(
  options: Pick<TestGatewayOptions, 'tuning' | 'server' | 'tasks' | 'cache'> = {},
): Promise<HostileGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cloudmux-test-hostile-'));
  const redis = new Redis(workerRedisUrl());
  await redis.flushdb();
  redis.disconnect();
  const simulator = await SIMULATORS.find((s) => (s.kind as string) === 'cloudmc')!.start({
    speed: 50,
    dataDir,
  });
  const backend = await startTricklingBackend(String(simulator.connection.endpoint));
  // The gateway reaches the simulator only through the trickling backend.
  const routed = { ...simulator, connection: { ...simulator.connection, endpoint: backend.url } };
  const gateway = await startTestGateway({
    connections: [{ name: HOSTILE_CONNECTION, kind: 'cloudmc' }],
    // Simulators started here: the gateway neither starts nor stops them (nor flushes Redis: done above).
    reuse: { simulators: new Map([[HOSTILE_CONNECTION, routed]]) },
    tuning: options.tuning,
    tasks: options.tasks,
    cache: { freshMs: 0, ...options.cache },
    server: { rateLimitPerMinute: 0, ...options.server },
  });
  return {
    gateway,
    baseUrl: gateway.baseUrl,
    connection: HOSTILE_CONNECTION,
    simulator,
    backend,
    async close() {
      // The backend first: its trickled answers end, so no worker is left waiting on one while the app closes.
      backend.rules = [];
      await backend.close();
      await gateway.close();
      await simulator.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Calls the gateway with the admin key; the answer within `timeoutMs` or the test fails (a bound, not a measure). */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  let response: Response;
  try {
    response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${KEYS.admin}`,
        ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new Error(`${method} ${path}: no answer within ${timeoutMs} ms`, { cause: error });
  }
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
  };
}

const TERMINAL = new Set(['succeeded', 'failed']);

/** Long-polls a task until it ends, within `boundMs` (a bound, not a measure). */
export async function taskEnd(
  baseUrl: string,
  id: string,
  boundMs = 40_000,
): Promise<Record<string, unknown>> {
  const until = Date.now() + boundMs;
  for (;;) {
    const { body } = await call(baseUrl, 'GET', `/v1/tasks/${id}?waitSeconds=5`);
    if (TERMINAL.has(String(body.status))) return body;
    if (Date.now() > until)
      throw new Error(`task ${id} still ${String(body.status)}: ${JSON.stringify(body)}`);
  }
}
