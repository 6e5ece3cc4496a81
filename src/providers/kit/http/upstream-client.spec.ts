import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProviderError } from '../../../common/errors/gateway-error';
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
