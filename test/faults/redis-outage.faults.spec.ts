import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/bootstrap/create-app';
import { validateConfig } from '../../src/config/config.validator';
import { readEnv } from '../../src/config/env';
import { connectionKindSchemas } from '../../src/providers/registry/provider-kinds';
import { until } from '../support/crash-chaos';
import { startExternalRedis, type ExternalRedis } from '../support/external-redis';
import type { GatewayCaller } from '../support/faults-http';
import { KEYS, startTestGateway, type TestGateway } from '../support/gateway';
import {
  adminCaller,
  captureLogs,
  cloudmcCreateBody,
  probe,
  watchUnhandledRejections,
  type LogCapture,
} from '../support/redis-faults';

// Issue 12, point 6: the gateway's Redis goes away (kill -9) and comes back on the same port. During the outage
// every request answers 503 `unavailable` (asserted: the status, never how long it took; the test's own HTTP
// deadline only bounds a hang), readiness says 503, liveness 200; after the restart everything works again
// without restarting the gateway. Every ioredis client has an `error` listener: no raw `[ioredis] Unhandled
// error event` lines, and the connection's loss and return are logged once each, not once per reconnect attempt.
// A gateway started while Redis is down comes up live (not ready), answers 503, and gets ready once Redis is up.

jest.setTimeout(180_000);

const CONNECTION = 'ro-cloudmc';
/** How long Redis stays down: several reconnect attempts of every client (their delays grow to 2 s). */
const OUTAGE_MS = 6_000;
const RAW_REDIS_ERRORS = /\[ioredis\]|Unhandled error event|ECONNREFUSED|Connection is closed/;

describe('Redis outage: killed and restarted on the same port (faults)', () => {
  let redisServer: ExternalRedis;
  let gateway: TestGateway;
  let caller: GatewayCaller;
  let logs: LogCapture;
  let consoleErrors: jest.SpyInstance;
  const rejections = watchUnhandledRejections();

  const rawRedisErrors = () =>
    (consoleErrors.mock.calls as unknown[][])
      .map((args) => args.map(String).join(' '))
      .filter((t) => RAW_REDIS_ERRORS.test(t));

  beforeAll(async () => {
    consoleErrors = jest.spyOn(console, 'error');
    redisServer = await startExternalRedis('everysec');
    logs = captureLogs();
    gateway = await startTestGateway({
      connections: [{ name: CONNECTION, kind: 'cloudmc' }],
      redisUrl: redisServer.url,
      logger: logs.logger,
    });
    caller = adminCaller(gateway);
  });

  afterAll(async () => {
    rejections.stop();
    consoleErrors.mockRestore();
    await gateway?.close();
    await redisServer?.stop();
  });

  it('should answer 503 unavailable during the outage and work again after it, the gateway untouched', async () => {
    const body = await cloudmcCreateBody(caller, gateway, CONNECTION, 'before-outage');
    const before = await caller.call<{ id: string }>('POST', '/v1/servers', body);
    expect(before.status).toBe(202);
    expect((await caller.get('/v1/servers')).status).toBe(200);

    await redisServer.crash();
    // Down for a while (every client goes through several reconnect attempts), asked again and again meanwhile.
    const downUntil = Date.now() + OUTAGE_MS;
    for (let round = 0; round < 3 || Date.now() < downUntil; round++) {
      const answers = [
        await caller.get('/v1/servers'),
        await caller.get(`/v1/tasks/${before.body.id}`),
        await caller.call(
          'POST',
          '/v1/servers',
          { ...body, name: 'during-outage' },
          { 'Idempotency-Key': 'o-1' },
        ),
      ];
      for (const answer of answers) {
        expect({
          status: answer.status,
          code: answer.problem?.code,
          retryable: answer.problem?.retryable,
        }).toEqual({ status: 503, code: 'unavailable', retryable: true });
        expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      expect((await probe(gateway.baseUrl, '/health/ready')).status).toBe(503);
      expect((await probe(gateway.baseUrl, '/health/live')).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }

    await redisServer.restart();
    expect(
      await until(async () => (await probe(gateway.baseUrl, '/health/ready')).status === 200, 60_000),
    ).toBe(true);
    expect((await caller.get('/v1/servers')).status).toBe(200);
    // The task accepted before the outage ends (AOF kept it); a new one runs too.
    const ended = async (id: string) => {
      let status = 'unknown';
      await until(async () => {
        status = (await caller.get<{ status: string }>(`/v1/tasks/${id}`)).body.status;
        return status === 'succeeded' || status === 'failed';
      }, 60_000);
      return status;
    };
    expect(await ended(before.body.id)).toBe('succeeded');
    const after = await caller.call<{ id: string }>('POST', '/v1/servers', { ...body, name: 'after-outage' });
    expect(after.status).toBe(202);
    expect(await ended(after.body.id)).toBe('succeeded');

    expect(rawRedisErrors()).toEqual([]);
    expect(rejections.reasons.map(String)).toEqual([]);
    // One line when the command connection was lost, one when it came back: not one per reconnect attempt.
    expect(logs.warnings(/Redis connection 'gateway' (lost|cannot connect)/)).toHaveLength(1);
    expect(logs.lines().filter((l) => /Redis connection 'gateway' is back/.test(l.msg))).toHaveLength(1);
    // This Redis keeps an AOF: no warning about persistence.
    expect(logs.warnings(/AOF/)).toEqual([]);
  });

  it('should start while Redis is down: live, 503 everywhere, and ready once Redis is up', async () => {
    const own = await startExternalRedis('everysec');
    await own.crash();
    const startLogs = captureLogs();
    // The first gateway's document (its simulator, its keys) over a Redis of its own.
    const config = validateConfig(gateway.document, {
      env: { ...readEnv({}), redisUrl: own.url, role: 'all' },
      kinds: connectionKindSchemas(),
      baseDir: process.cwd(),
      variables: {},
    });
    let app: NestFastifyApplication | undefined;
    try {
      app = await createApp(config, startLogs.logger);
      await app.listen({ host: '127.0.0.1', port: 0 });
      const baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
      const down = adminCaller({ ...gateway, baseUrl });
      expect((await probe(baseUrl, '/health/live')).status).toBe(200);
      expect((await probe(baseUrl, '/health/ready')).status).toBe(503);
      const refused = await down.get('/v1/servers');
      expect({ status: refused.status, code: refused.problem?.code }).toEqual({
        status: 503,
        code: 'unavailable',
      });

      await own.restart();
      expect(await until(async () => (await probe(baseUrl, '/health/ready')).status === 200, 60_000)).toBe(
        true,
      );
      expect((await down.get('/v1/servers')).status).toBe(200);
      expect(
        (await fetch(`${baseUrl}/v1/servers`, { headers: { Authorization: `Bearer ${KEYS.reader}` } }))
          .status,
      ).toBe(200);
      expect(startLogs.warnings(/Redis connection 'gateway' cannot connect/)).toHaveLength(1);
      expect(rawRedisErrors()).toEqual([]);
    } finally {
      await app?.close();
      await own.stop();
    }
  });
});
