import { Redis } from 'ioredis';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { keys as redisKeys } from '../../src/common/redis/keys';
import { encodeEvent } from '../../src/tasks/task-event.codec';
import { ResourceType } from '../../src/domain/states';
import { TaskStatus, type TaskSummary } from '../../src/tasks/task.dto';
import { api, clientFor, succeeded } from '../support/api';
import { KEYS, startTestGateway, type TestGateway } from '../support/gateway';
import { openEvents, type SseStream } from '../support/sse';

// Issue 12, points 7 and 10: event tokens hold only while their key does, and open streams are bounded in number
// and in what one slow client may make the gateway hold.

const TOKEN_TTL_SECONDS = 10; // the smallest `events.tokenTtlSeconds`

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function token(gateway: TestGateway, key: string): Promise<string> {
  const issued = await api.createEventToken({ client: clientFor(gateway.baseUrl, key) });
  if (!issued.data) throw new Error(`no token: ${JSON.stringify(issued.error)}`);
  return issued.data.token;
}

/** `promise`, or a failure saying `what` once `timeoutMs` has passed (a bound on the wait, not an assertion on time). */
function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(what)), timeoutMs)),
  );
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Repeats `attempt` until it holds, within `timeoutMs` (a bound on the wait, not an assertion on time). */
async function eventually<T>(attempt: () => Promise<T>, holds: (value: T) => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (holds(value) || Date.now() > deadline) return value;
    await sleep(100);
  }
}

describe('event streams: tokens checked on every use, streams bounded (security)', () => {
  const open: SseStream[] = [];
  const unread: IncomingMessage[] = [];
  const stream = async (gateway: TestGateway, path: string, headers: Record<string, string> = {}) => {
    const opened = await openEvents(`${gateway.baseUrl}${path}`, headers);
    open.push(opened);
    return opened;
  };
  const network = async (gateway: TestGateway, name: string) => {
    const client = clientFor(gateway.baseUrl, KEYS.admin);
    return succeeded(client, (await api.createNetwork({ client, body: { provider: 'cm-a', name } })).data);
  };

  afterEach(() => {
    for (const opened of open.splice(0)) opened.close();
    for (const response of unread.splice(0)) response.destroy();
  });

  describe('tokens', () => {
    let gateway: TestGateway;

    beforeAll(async () => {
      gateway = await startTestGateway({
        connections: [{ name: 'cm-a', kind: 'cloudmc' }],
        events: { tokenTtlSeconds: TOKEN_TTL_SECONDS, recheckSeconds: 1 },
      });
    });

    afterAll(() => gateway.close());

    it('should end a stream opened with a token at the token’s expiry, with a last comment saying why', async () => {
      const evt = await token(gateway, KEYS.tenantA);
      const events = await stream(gateway, `/v1/events?access_token=${evt}`);
      expect(events.status).toBe(200);
      const task = await network(gateway, 'before-expiry');
      await events.until((all) => all.some((e) => e.event === 'task.succeeded' && e.data.includes(task.id)));

      // The server ends it (cleanly: EventSource reconnects, and its expired token is then refused).
      const ended = within(
        events.ended,
        (TOKEN_TTL_SECONDS + 20) * 1000,
        'still open after its token expired',
      );
      await expect(ended).resolves.toBe(true);
      expect(events.comments).toContain('closing: token_expired');
      const again = await fetch(`${gateway.baseUrl}/v1/events?access_token=${evt}`);
      expect(again.status).toBe(401);
      expect(again.headers.get('content-type')).toMatch(/application\/problem\+json/);
    });

    it('should refuse, after a restart without the key that issued it, a token that is still in Redis, and replay nothing', async () => {
      const removed = await token(gateway, KEYS.tenantA);
      const kept = await token(gateway, KEYS.reader);
      await network(gateway, 'history');
      // The same Redis (tokens, events), another config: the key `tenant-a` is gone.
      const restarted = await startTestGateway({
        connections: [{ name: 'cm-a', kind: 'cloudmc' }],
        reuse: gateway,
        withoutKeys: ['tenant-a'],
        events: { tokenTtlSeconds: TOKEN_TTL_SECONDS },
      });
      const attempt = new AbortController();
      try {
        const redis = new Redis(gateway.redisUrl);
        expect(await redis.exists(redisKeys.eventToken(removed))).toBe(1);
        redis.disconnect();

        const refused = await fetch(`${restarted.baseUrl}/v1/events?access_token=${removed}`, {
          headers: { 'Last-Event-ID': '0-0' },
          signal: attempt.signal,
        });
        expect(refused.status).toBe(401);
        expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
        const body = await refused.text();
        expect(body).not.toMatch(/^id: /m);
        expect(JSON.parse(body)).toMatchObject({ code: 'unauthenticated', status: 401 });

        // A token of a key the new config still has works there: it is the key that decides.
        const replay = await stream(restarted, `/v1/events?access_token=${kept}`, { 'Last-Event-ID': '0-0' });
        expect(replay.status).toBe(200);
        await replay.until((all) => all.some((e) => e.event === 'task.succeeded'));
      } finally {
        attempt.abort();
        await restarted.close();
      }
    });

    it('should end an open stream once its token is revoked in Redis (checked again every recheckSeconds)', async () => {
      const evt = await token(gateway, KEYS.reader);
      const events = await stream(gateway, `/v1/events?access_token=${evt}`);
      expect(events.status).toBe(200);
      const redis = new Redis(gateway.redisUrl);
      await redis.del(redisKeys.eventToken(evt));
      redis.disconnect();
      await expect(within(events.ended, 20_000, 'still open after its token was deleted')).resolves.toBe(
        true,
      );
      expect(events.comments).toContain('closing: credentials_revoked');
    });
  });

  describe('caps and slow readers', () => {
    let gateway: TestGateway;
    let redis: Redis;

    beforeAll(async () => {
      gateway = await startTestGateway({
        connections: [{ name: 'cm-a', kind: 'cloudmc' }],
        events: { maxStreams: 3, maxStreamsPerKey: 2, maxBufferedBytes: 65_536, drainTimeoutSeconds: 2 },
      });
      redis = new Redis(gateway.redisUrl);
    });

    afterAll(async () => {
      redis.disconnect();
      await gateway.close();
    });

    const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

    it('should answer 429 problem+json with Retry-After beyond the streams of one key and beyond all streams', async () => {
      const first = await stream(gateway, '/v1/events', auth(KEYS.admin));
      const second = await stream(gateway, `/v1/events?access_token=${await token(gateway, KEYS.admin)}`);
      expect([first.status, second.status]).toEqual([200, 200]);

      // The key's third stream, with the key or with one of its tokens.
      for (const third of [
        await fetch(`${gateway.baseUrl}/v1/events`, { headers: auth(KEYS.admin) }),
        await fetch(`${gateway.baseUrl}/v1/events?access_token=${await token(gateway, KEYS.admin)}`),
      ]) {
        expect(third.status).toBe(429);
        expect(third.headers.get('content-type')).toMatch(/application\/problem\+json/);
        expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(await third.json()).toMatchObject({ code: 'rate_limited', status: 429, retryable: true });
      }

      // Another key still gets one, up to the total (3).
      expect((await stream(gateway, '/v1/events', auth(KEYS.reader))).status).toBe(200);
      const overall = await fetch(`${gateway.baseUrl}/v1/events`, { headers: auth(KEYS.tenantA) });
      expect(overall.status).toBe(429);
      expect(Number(overall.headers.get('retry-after'))).toBeGreaterThan(0);

      // A closed stream gives its place back.
      first.close();
      const after = await eventually(
        () => fetch(`${gateway.baseUrl}/v1/events`, { headers: auth(KEYS.tenantA) }),
        (response) => response.status === 200,
      );
      expect(after.status).toBe(200);
      await after.body?.cancel();
    });

    it('should cut off a client that does not read once it is behind by more than the buffer bound', async () => {
      // A stream that is never read: the test holds the response paused and takes nothing from its socket.
      const slow = await new Promise<IncomingMessage>((resolve, reject) => {
        const request = httpRequest(`${gateway.baseUrl}/v1/events`, {
          headers: { ...auth(KEYS.tenantB), Accept: 'text/event-stream' },
        });
        request.once('response', (response) => {
          response.pause();
          response.socket.pause();
          resolve(response);
        });
        request.once('error', reject);
        request.end();
      });
      unread.push(slow);
      expect(slow.statusCode).toBe(200);
      let received = 0;
      const gone = new Promise<void>((resolve) => {
        slow.once('close', () => resolve());
        slow.once('error', () => resolve());
      });
      slow.on('data', (chunk: Buffer) => (received += chunk.length));

      // Events of 32 KiB each for tenant-b's connection, until the gateway lets go of the stream (it then
      // takes a second stream of the key's two again, see below), 64 MiB at most.
      const big = 'x'.repeat(32_768);
      const summary = (n: number): TaskSummary => ({
        id: `01J0000000000000000000${String(n).padStart(4, '0')}`,
        provider: 'cm-a',
        operation: 'server.create',
        status: TaskStatus.Running,
        progress: null,
        step: big,
        providerStatus: null,
        resource: { type: ResourceType.Server, id: null },
        errorCode: null,
        updatedAt: new Date().toISOString(),
      });
      const held = await stream(gateway, '/v1/events', auth(KEYS.tenantB));
      expect(held.status).toBe(200);
      let published = 0;
      let released = false;
      for (let round = 0; round < 64 && !released; round++) {
        const pipeline = redis.pipeline();
        for (let i = 0; i < 32; i++)
          pipeline.xadd(redisKeys.events('cm-a'), '*', ...encodeEvent('task.updated', summary(i)));
        await pipeline.exec();
        published += 32 * 32_768;
        // While the slow stream is open, the key has no third place: a 429 here means it still holds.
        const probe = await fetch(`${gateway.baseUrl}/v1/events`, { headers: auth(KEYS.tenantB) });
        released = probe.status === 200;
        await probe.body?.cancel();
        if (!released) await sleep(250);
      }
      expect(released).toBe(true);

      // The client, reading again, gets what was on the way and then the end: the server closed the stream.
      slow.socket.resume();
      slow.resume();
      await within(gone, 30_000, 'the server did not close the stream that was never read');
      expect(received).toBeLessThan(published);
      // The reader that keeps up was not cut off.
      await held.until((all) => all.length > 0);
      expect(await Promise.race([held.ended.then(() => 'ended'), sleep(100).then(() => 'open')])).toBe(
        'open',
      );
    });
  });
});
