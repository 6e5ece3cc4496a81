import { Redis } from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as forward, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SimulatorHandle } from '../../sandbox/simulators/common/simulator';
import { SIMULATORS } from '../../sandbox/simulators/simulator-kinds';
import { keys } from '../../src/common/redis/keys';
import type { Server } from '../generated/client';
import { ANSWER_WITHIN_MS } from '../support/faults-gateway';
import { GatewayCaller } from '../support/faults-http';
import { FaultLedger } from '../support/faults-ledger';
import { KEYS, startTestGateway, workerRedisUrl, type TestGateway } from '../support/gateway';

// Issue 16, point 3: a backend's 429 with Retry-After slows the whole connection down. One CloudMC simulator
// answers one read with 429 `Retry-After: 2`; two gateway processes share the connection's budget in Redis, and
// every call either of them makes to that backend afterwards reaches it only once the two seconds have passed.

const CM = 'fbu-cloudmc';
const RETRY_AFTER_S = 2;
/** Longer than a budget lease (50 ms): no process still holds tokens it leased before the 429. */
const LEASES_OVER_MS = 200;

/** One request as the proxy saw it: when it arrived, and when and how it was answered. */
interface Seen {
  at: number;
  method: string;
  path: string;
  status?: number;
  answeredAt?: number;
}

/**
 * An HTTP proxy in front of the simulator that notes the wall-clock time each request reached it, which the
 * simulator does not keep: "the call waited" is read from the backend's side.
 */
async function startClockedProxy(target: string): Promise<{
  url: string;
  seen: Seen[];
  firstAnswer(status: number): Promise<Seen>;
  close(): Promise<void>;
}> {
  const upstream = new URL(target);
  const seen: Seen[] = [];
  const waiting: Array<{ status: number; resolve: (entry: Seen) => void }> = [];
  const server: HttpServer = createServer((request, response) => {
    const entry: Seen = { at: Date.now(), method: request.method ?? '', path: request.url ?? '' };
    seen.push(entry);
    const out = forward(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: request.method,
        path: request.url,
        headers: request.headers,
      },
      (answer) => {
        entry.status = answer.statusCode;
        entry.answeredAt = Date.now();
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
        for (const waiter of waiting.filter((w) => w.status === entry.status)) {
          waiting.splice(waiting.indexOf(waiter), 1);
          waiter.resolve(entry);
        }
      },
    );
    out.on('error', () => response.destroy());
    request.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.port = String((server.address() as AddressInfo).port);
  return {
    url: url.toString().replace(/\/$/, ''),
    seen,
    firstAnswer: (status) => {
      const already = seen.find((entry) => entry.status === status);
      return already ? Promise.resolve(already) : new Promise((resolve) => waiting.push({ status, resolve }));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never: ${what}`);
}

/** A counter's value in a gateway's /metrics text (0 when absent). */
async function budgetEvents(gateway: TestGateway, event: string): Promise<number> {
  const text = await (
    await fetch(`${gateway.baseUrl}/metrics`, { headers: { Authorization: `Bearer ${KEYS.reader}` } })
  ).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`gateway_upstream_budget_events_total{provider="${CM}",event="${event}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('a 429 with Retry-After holds the whole connection, in every process (faults)', () => {
  let dataDir: string;
  let simulator: SimulatorHandle;
  let proxy: Awaited<ReturnType<typeof startClockedProxy>>;
  const gateways: TestGateway[] = [];
  const callers: GatewayCaller[] = [];
  let ledger: FaultLedger;
  let redis: Redis;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cloudmux-budget-'));
    simulator = await SIMULATORS.find((s) => (s.kind as string) === 'cloudmc')!.start({ speed: 50, dataDir });
    proxy = await startClockedProxy(simulator.connection.endpoint as string);
    // Gateways on running simulators leave this worker's Redis database as it is: start from an empty one.
    redis = new Redis(workerRedisUrl());
    await redis.flushdb();
    const simulators = new Map([[CM, simulator]]);
    // Two API processes on one Redis: the connection's budget is theirs to share.
    for (let i = 0; i < 2; i++) {
      const gateway = await startTestGateway({
        connections: [{ name: CM, kind: 'cloudmc' }],
        reuse: { simulators },
        role: 'api',
        // Every read asks the backend; a held call still answers within its 5 s deadline; one retry.
        tuning: { endpoint: proxy.url, timeoutMs: 5_000, retries: 1 },
        cache: { freshMs: 0, staleMs: 300_000 },
        server: { rateLimitPerMinute: 0 },
      });
      gateways.push(gateway);
      callers.push(new GatewayCaller(gateway.baseUrl, KEYS.admin, ANSWER_WITHIN_MS));
    }
    ledger = new FaultLedger(simulators, () => 'cloudmc');
  });

  afterAll(async () => {
    for (const gateway of gateways) await gateway.close();
    redis?.disconnect();
    await proxy?.close();
    await simulator?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('should send the backend nothing from either process until the Retry-After has passed', async () => {
    const list = await callers[1].get<{ items: Server[] }>(`/v1/servers?provider=${CM}`);
    const limitedId = list.body.items[0]?.id;
    expect(limitedId).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, LEASES_OVER_MS));
    const [rule] = await ledger.inject(CM, {
      action: 'rate-limit',
      retryAfter: RETRY_AFTER_S,
      method: 'GET',
      count: 1,
    });

    // The first process's read meets the 429 (and retries after it). Once that process has paused the connection,
    // both processes list while the pause holds.
    const first = callers[0].get(`/v1/servers/${limitedId}`);
    const limited = await proxy.firstAnswer(429);
    await until(async () => (await redis.exists(keys.budgetPause(CM))) === 1, 'the pause is recorded');
    const later = [
      callers[0].get(`/v1/volumes?provider=${CM}`),
      callers[1].get(`/v1/networks?provider=${CM}`),
      callers[1].get(`/v1/servers?provider=${CM}`),
    ];
    const answers = await Promise.all([first, ...later]);

    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.headers.get('cache-status')).toBeNull(); // fresh from the backend, not a stale copy
    }
    expect(await ledger.hitsOf(CM, rule)).toBe(1);
    // Every request of the later calls reached the backend once the pause it asked for was over. (The first read's
    // own requests are left out: the one it sent beside the limited one was on its way before the 429 came back.)
    const limitedNativeId = limitedId.slice(limitedId.indexOf(':') + 1);
    const afterwards = proxy.seen.filter(
      (entry) => entry.at >= limited.answeredAt! && !entry.path.includes(limitedNativeId),
    );
    expect(afterwards.length).toBeGreaterThanOrEqual(3);
    expect(afterwards.filter((entry) => entry.at - limited.answeredAt! < RETRY_AFTER_S * 1000)).toEqual([]);
    // The process that met the 429 recorded the pause; the other one waited for it.
    expect(await budgetEvents(gateways[0], 'pause')).toBe(1);
    expect(await budgetEvents(gateways[1], 'wait')).toBeGreaterThanOrEqual(1);
  });

  it('answered every call with no 500 and only problem+json errors', () => {
    for (const caller of callers) {
      expect(caller.tally.bad5xx).toEqual([]);
      expect(caller.tally.notProblem).toEqual([]);
    }
  });
});
