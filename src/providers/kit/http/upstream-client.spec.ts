import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProviderError } from '../../../common/errors/gateway-error';
import type { RequestBudget } from '../../ports/request-budget';
import { ManualClock } from '../manual-clock';
import { MemoryRequestBudget } from '../memory-request-budget';
import { withCallSignal } from './call-scope';
import { UpstreamClient, type UpstreamClientOptions } from './upstream-client';

/** A backend that answers at once, or (trickling) sends its headers and then a byte every 50 ms for ever. */
class Backend {
  trickling = true;
  requests = 0;
  /** Answers being trickled whose connection is still open. */
  open = 0;
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response: ServerResponse) => {
      this.requests++;
      request.resume();
      if (!this.trickling) {
        response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
        return;
      }
      this.open++;
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.write('{');
      const timer = setInterval(() => response.write(' '), 50);
      response.on('close', () => {
        clearInterval(timer);
        this.open--;
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  if (!check()) throw new Error(`never: ${what}`);
}

describe('UpstreamClient against a backend that trickles its answers', () => {
  let backend: Backend;
  const client = (tuning: Partial<UpstreamClientOptions['tuning']> = {}) =>
    new UpstreamClient({
      connection: 'slow',
      kind: 'test',
      baseUrl: backend.url,
      tuning: {
        timeoutMs: 300,
        concurrency: 2,
        retries: 0,
        breakerFailures: 1_000,
        breakerHalfOpenMs: 1_000,
        maxResponseBytes: 1_048_576,
        ...tuning,
      },
      parseError: (response) => new ProviderError(`status ${response.status}`),
    });
  const get = { method: 'GET' as const, path: '/things', operation: 'things.list' };

  beforeEach(async () => {
    backend = new Backend();
    await backend.start();
  });

  afterEach(() => backend.stop());

  it('should end a call whose body never completes with provider_timeout and close its socket', async () => {
    await expect(client().request(get)).rejects.toMatchObject({ code: 'provider_timeout', provider: 'slow' });
    await until(() => backend.open === 0, 'the trickled answer was closed');
  });

  it('should give every bulkhead slot back, so that calls work again once the backend recovers', async () => {
    const http = client();
    // More stuck calls than the two slots: the rest wait in the queue, and leave it at their deadline.
    const stuck = await Promise.allSettled(Array.from({ length: 6 }, () => http.request(get)));
    for (const outcome of stuck)
      expect(outcome).toMatchObject({ status: 'rejected', reason: { code: 'provider_timeout' } });
    await until(() => backend.open === 0, 'every trickled answer was closed');
    backend.trickling = false;
    await expect(http.request(get)).resolves.toMatchObject({ status: 200, body: '{"ok":true}' });
  });

  it('should abort the calls of an abandoned scope at once and send none after it', async () => {
    const http = client({ timeoutMs: 60_000 });
    const abandon = new AbortController();
    const pending = withCallSignal(abandon.signal, () => http.request(get));
    await until(() => backend.open === 1, 'the call reached the backend');
    abandon.abort();
    await expect(pending).rejects.toMatchObject({ code: 'provider_timeout', message: /abandoned/ });
    await until(() => backend.open === 0, 'the abandoned call was closed');

    const before = backend.requests;
    await expect(
      withCallSignal(abandon.signal, () => http.request({ ...get, method: 'POST', idempotent: false })),
    ).rejects.toMatchObject({ code: 'provider_timeout' });
    expect(backend.requests).toBe(before);
  });

  it('should drop an answer larger than maxResponseBytes as it arrives, as the backend fault', async () => {
    const big = createServer((request, response) => {
      request.resume();
      response
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ data: 'x'.repeat(300_000) }));
    });
    await new Promise<void>((resolve) => big.listen(0, '127.0.0.1', resolve));
    try {
      const small = new UpstreamClient({
        connection: 'big',
        kind: 'test',
        baseUrl: `http://127.0.0.1:${(big.address() as AddressInfo).port}`,
        tuning: {
          timeoutMs: 5_000,
          concurrency: 2,
          retries: 0,
          breakerFailures: 1_000,
          breakerHalfOpenMs: 1_000,
          maxResponseBytes: 65_536,
        },
        parseError: () => new ProviderError('unexpected'),
      });
      await expect(small.request({ method: 'GET', path: '/', operation: 'big.read' })).rejects.toMatchObject({
        code: 'provider_error',
        message: expect.stringContaining('maxResponseBytes'),
      });
    } finally {
      big.closeAllConnections();
      await new Promise((resolve) => big.close(resolve));
    }
  });
});

describe('UpstreamClient errors that repeat what the request sent', () => {
  let server: Server;
  let url = '';

  beforeAll(async () => {
    // A backend that quotes the request body in its error, as some validation errors do.
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => response.writeHead(400).end(`invalid request: ${body}`));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('should mask user-data and passwords the backend quotes back', async () => {
    const client = new UpstreamClient({
      connection: 'echo',
      kind: 'test',
      baseUrl: url,
      tuning: {
        timeoutMs: 2_000,
        concurrency: 2,
        retries: 0,
        breakerFailures: 1_000,
        breakerHalfOpenMs: 1_000,
        maxResponseBytes: 1_048_576,
      },
      parseError: (response) => new ProviderError(response.body),
    });
    const userData = '#cloud-config\npassword: hunter2-secret';
    const error = (await client
      .request({
        method: 'POST',
        path: '/instances',
        operation: 'instances.create',
        body: JSON.stringify({ name: 'web', userData, password: 'root-pass-1' }),
      })
      .catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toContain('invalid request');
    expect(error.message).toContain('"name":"web"');
    expect(error.message).not.toContain('hunter2-secret');
    expect(error.message).not.toContain('root-pass-1');
  });
});

describe('UpstreamClient and the connection request budget', () => {
  let server: Server;
  let url = '';
  /** Answers the backend gives next, in order; then 200. */
  let script: Array<{ status: number; headers?: Record<string, string> }> = [];
  let requests = 0;
  let clock: ManualClock;
  let pauses: number[];
  let takes: number;
  let budget: RequestBudget;

  beforeAll(async () => {
    server = createServer((request, response) => {
      requests++;
      request.resume();
      const next = script.shift() ?? { status: 200 };
      response.writeHead(next.status, { 'Content-Type': 'application/json', ...next.headers }).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    script = [];
    requests = 0;
    clock = new ManualClock();
    pauses = [];
    takes = 0;
    // The memory budget on a clock the test moves, with the takes and pauses of the client recorded.
    const memory = new MemoryRequestBudget({ requestsPerSecond: 1_000, clock });
    budget = {
      take: (options) => {
        takes++;
        return memory.take(options);
      },
      pause: (ms) => {
        pauses.push(ms);
        return memory.pause(ms);
      },
    };
  });

  const client = (tuning: Partial<UpstreamClientOptions['tuning']> = {}) =>
    new UpstreamClient(
      {
        connection: 'limited',
        kind: 'test',
        baseUrl: url,
        tuning: {
          timeoutMs: 5_000,
          concurrency: 4,
          retries: 0,
          breakerFailures: 1_000,
          breakerHalfOpenMs: 1_000,
          maxResponseBytes: 1_048_576,
          ...tuning,
        },
        parseError: (response) => new ProviderError(`status ${response.status}`),
      },
      undefined,
      budget,
    );
  const get = { method: 'GET' as const, path: '/things', operation: 'things.list' };
  const turns = async () => {
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  };

  it('should hold the next call of the connection after a 429 with Retry-After until the pause ends', async () => {
    const http = client();
    script = [{ status: 429, headers: { 'Retry-After': '2' } }];
    await expect(http.request(get)).rejects.toMatchObject({ provider: 'limited', retryAfter: 2 });
    expect(pauses).toEqual([2_000]);

    const order: string[] = [];
    const second = http.request(get).then((answer) => {
      order.push('second answered');
      return answer;
    });
    await until(() => clock.sleeping === 1, 'the second call waits for the budget');
    clock.advance(1_999);
    await turns();
    expect(requests).toBe(1);
    order.push('pause over');
    clock.advance(1);
    await expect(second).resolves.toMatchObject({ status: 200 });
    expect(order).toEqual(['pause over', 'second answered']);
    expect(requests).toBe(2);
  });

  it.each([
    { answer: { status: 429 }, pause: [1_000], why: 'a 429 without Retry-After holds 1 s' },
    { answer: { status: 429, headers: { 'Retry-After': '3600' } }, pause: [60_000], why: 'capped at 60 s' },
    {
      answer: { status: 503, headers: { 'Retry-After': '3' } },
      pause: [3_000],
      why: 'a 503 with Retry-After',
    },
    {
      answer: { status: 503 },
      pause: [],
      why: 'a 503 without Retry-After is an outage, not a request to slow down',
    },
    {
      answer: { status: 500, headers: { 'Retry-After': '1' } },
      pause: [],
      why: 'a 500 is no request to slow down',
    },
  ])('should record the pause of $answer.status ($why)', async ({ answer, pause }) => {
    script = [answer];
    await expect(client().request(get)).rejects.toBeInstanceOf(ProviderError);
    expect(pauses).toEqual(pause);
  });

  it('should answer 503 at once, send nothing and retry nothing when the pause outlasts the deadline', async () => {
    const http = client({ retries: 2, breakerFailures: 1 });
    await budget.pause(30_000);
    await expect(http.request({ ...get, method: 'POST', idempotent: false })).rejects.toMatchObject({
      code: 'provider_unavailable',
      provider: 'limited',
      retryAfter: 30,
    });
    expect(requests).toBe(0);
    expect(takes).toBe(1);
    expect(clock.sleeping).toBe(0);
    // The backend did nothing wrong: the breaker did not count it.
    expect(http.circuitState).toBe('closed');
  });

  it('should give a call abandoned while it waits for the budget up without sending it', async () => {
    const http = client();
    await budget.pause(2_000);
    const abandon = new AbortController();
    const pending = withCallSignal(abandon.signal, () => http.request(get));
    await until(() => clock.sleeping === 1, 'the call waits for the budget');
    abandon.abort();
    await expect(pending).rejects.toMatchObject({ code: 'provider_timeout', message: /abandoned/ });
    expect(clock.sleeping).toBe(0);
    clock.advance(2_000);
    await turns();
    expect(requests).toBe(0);
  });
});
