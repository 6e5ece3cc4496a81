import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { until } from '../support/crash-chaos';
import { startExternalRedis, type ExternalRedis } from '../support/external-redis';
import type { GatewayCaller } from '../support/faults-http';
import { startTestGateway, type TestGateway } from '../support/gateway';
import {
  adminCaller,
  captureLogs,
  cloudmcCreateBody,
  fillRedis,
  freeRedis,
  operatorClient,
  probe,
  watchUnhandledRejections,
  type LogCapture,
} from '../support/redis-faults';

// Issue 12, points 1 and 13: the gateway's Redis reaches `maxmemory` with `noeviction` (set with CONFIG SET on the
// test's own redis-server) while a task runs. Every call must answer 503 `unavailable` (retryable, Retry-After),
// never 500; readiness must say 503; nothing may end the process (no unhandled rejection); once memory is freed,
// everything works again by itself and the task that was running ends, not stuck `running`. The same Redis runs
// without AOF, and the gateway says so once at start-up.

jest.setTimeout(180_000);

const CONNECTION = 'rf-cloudmc';
/** How long Redis stays full: several of the task's polls and BullMQ's lock renewals and stalled checks. */
const FULL_FOR_MS = 8_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * Errors BullMQ's worker may report while Redis stays full for FULL_FOR_MS: it retried its refused fetch at once,
 * in a loop (about 4,500 a second here); the gateway holds the worker for a second after each.
 */
const MAX_WORKER_ERRORS_WHILE_FULL = 200;

describe('Redis full: maxmemory with noeviction (faults)', () => {
  let redisServer: ExternalRedis;
  let redis: Redis;
  let gateway: TestGateway;
  let caller: GatewayCaller;
  let logs: LogCapture;
  const rejections = watchUnhandledRejections();
  /** Every `error` event of a BullMQ worker in this test. */
  let workerErrors = 0;
  const emit = Worker.prototype.emit as (this: Worker, event: string, ...args: unknown[]) => boolean;

  beforeAll(async () => {
    Worker.prototype.emit = function (this: Worker, event: string, ...args: unknown[]) {
      if (event === 'error') workerErrors++;
      return emit.call(this, event, ...args);
    } as typeof Worker.prototype.emit;
    redisServer = await startExternalRedis('everysec');
    redis = operatorClient(redisServer.url);
    // An operator's Redis without persistence: the gateway must warn at start-up.
    await redis.config('SET', 'appendonly', 'no');
    logs = captureLogs();
    gateway = await startTestGateway({
      connections: [{ name: CONNECTION, kind: 'cloudmc' }],
      redisUrl: redisServer.url,
      logger: logs.logger,
      // A server create takes a few seconds: it is still running when Redis fills.
      speed: 2,
      // Short stalled checks: a job whose lock lapsed while Redis refused writes is taken over soon after.
      tasks: { stalledIntervalMs: 1_000, lockDurationMs: 3_000 },
    });
    caller = adminCaller(gateway);
  });

  afterAll(async () => {
    Worker.prototype.emit = emit as typeof Worker.prototype.emit;
    rejections.stop();
    console.log(
      logs
        .lines()
        .filter((l) => l.level >= 40)
        .map((l) => JSON.stringify(l))
        .join('\n'),
    );
    await freeRedis(redis).catch(() => undefined);
    await gateway?.close();
    redis?.disconnect();
    await redisServer?.stop();
  });

  it('should warn once at start-up that Redis has no AOF, naming what a restart loses', async () => {
    expect(await until(() => logs.warnings(/AOF/).length > 0, 10_000)).toBe(true);
    const [warning, ...more] = logs.warnings(/AOF/);
    expect(more).toEqual([]);
    expect(warning.level).toBe(40);
    expect(warning.msg).toMatch(/restart/i);
    expect(warning.msg).toMatch(/Idempotency-Key/);
  });

  it('should answer 503 unavailable while Redis is full, stay up, and go on by itself once memory is freed', async () => {
    const body = await cloudmcCreateBody(caller, gateway, CONNECTION, 'full-redis');
    const accepted = await caller.call<{ id: string }>('POST', '/v1/servers', body);
    expect(accepted.status).toBe(202);
    const taskId = accepted.body.id;
    expect(
      await until(
        async () => (await caller.get<{ status: string }>(`/v1/tasks/${taskId}`)).body.status === 'running',
        30_000,
      ),
    ).toBe(true);

    await fillRedis(redis);
    const answers = [
      await caller.get('/v1/servers'),
      await caller.get(`/v1/tasks/${taskId}`),
      await caller.call('POST', '/v1/servers', { ...body, name: 'refused' }, { 'Idempotency-Key': 'full-1' }),
    ];
    for (const answer of answers) {
      expect({ status: answer.status, code: answer.problem?.code }).toEqual({
        status: 503,
        code: 'unavailable',
      });
      expect(answer.problem?.retryable).toBe(true);
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    const ready = await probe(gateway.baseUrl, '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'error', details: { redis: { status: 'down' } } });
    expect((await probe(gateway.baseUrl, '/health/live')).status).toBe(200);

    // Redis stays full while the worker's step, BullMQ's lock renewals and stalled checks all fail.
    const errorsBefore = workerErrors;
    await sleep(FULL_FOR_MS);
    expect(workerErrors - errorsBefore).toBeLessThan(MAX_WORKER_ERRORS_WHILE_FULL);
    expect((await probe(gateway.baseUrl, '/health/live')).status).toBe(200);
    const stillFull = await caller.get('/v1/servers');
    expect(stillFull.status).toBe(503);

    await freeRedis(redis);
    expect(
      await until(async () => (await probe(gateway.baseUrl, '/health/ready')).status === 200, 60_000),
    ).toBe(true);
    expect((await caller.get('/v1/servers')).status).toBe(200);
    let task: { status: string; error?: unknown } = { status: 'unknown' };
    const ended = await until(async () => {
      task = (await caller.get<{ status: string; error?: unknown }>(`/v1/tasks/${taskId}`)).body;
      return task.status === 'succeeded' || task.status === 'failed';
    }, 120_000);
    expect({ ended, task }).toMatchObject({ ended: true, task: { status: 'succeeded' } });
    // The refused create made nothing; a new one works.
    const again = await caller.call<{ id: string }>('POST', '/v1/servers', { ...body, name: 'after-full' });
    expect(again.status).toBe(202);

    // Nothing escaped as an unhandled rejection (Node would end a production process on one).
    expect(rejections.reasons.map(String)).toEqual([]);
    expect(caller.tally.byStatus['500']).toBeUndefined();
  });
});
