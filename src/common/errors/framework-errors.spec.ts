import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { clientErrorProblems, frameworkErrorProblems, hostRequired } from './framework-errors';

/** Sends raw bytes (what no HTTP client would send) and reads the whole answer. */
function raw(
  port: number,
  bytes: string,
): Promise<{ status: number; head: string; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head, body] = data.split('\r\n\r\n');
      resolve({
        status: Number(head.split(' ')[1]),
        head,
        body: JSON.parse(body) as Record<string, unknown>,
      });
    });
    socket.write(bytes);
  });
}

describe('framework and client error problems', () => {
  let app: FastifyInstance;
  let port: number;

  beforeAll(async () => {
    app = Fastify({
      routerOptions: { maxParamLength: 16 },
      genReqId: () => 'req-1',
      frameworkErrors: frameworkErrorProblems({ 'X-Content-Type-Options': 'nosniff' }),
      clientErrorHandler: clientErrorProblems(() => 'req-2'),
    });
    app.get('/v1/servers/:id', async () => ({}));
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });

  afterAll(() => app.close());

  it.each([
    ['a broken percent-encoding', '/v1/servers/cm:%E0%A4%A', 400],
    ['a path parameter over the router limit', `/v1/servers/cm:${'x'.repeat(40)}`, 400],
  ])('should answer %s with a problem the router writes', async (_, path, status) => {
    const answer = await raw(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(answer.status).toBe(status);
    expect(answer.head).toMatch(/content-type: application\/problem\+json/i);
    expect(answer.head).toMatch(/x-request-id: req-1/i);
    expect(answer.head).toMatch(/x-content-type-options: nosniff/i);
    expect(answer.body).toMatchObject({ status, code: 'validation_failed', requestId: 'req-1' });
    expect(String(answer.body.detail)).not.toContain('xxxx');
  });

  it.each([
    [
      'a control character in a header',
      'GET /v1/servers/1 HTTP/1.1\r\nHost: x\r\nX-A: a\u0001b\r\n\r\n',
      400,
    ],
    ['an unknown method', 'FOO /v1/servers/1 HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    [
      'a head over 16 KiB',
      `GET /v1/servers/1 HTTP/1.1\r\nHost: x\r\nX-A: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
    ],
  ])('should answer %s with a problem written to the socket', async (_, bytes, status) => {
    const answer = await raw(port, bytes);
    expect(answer.status).toBe(status);
    expect(answer.head).toMatch(/content-type: application\/problem\+json/i);
    expect(answer.head).toMatch(/x-request-id: req-2/i);
    expect(answer.body).toMatchObject({ status, code: 'validation_failed', requestId: 'req-2' });
  });
});

describe('hostRequired', () => {
  let app: FastifyInstance;
  let port: number;

  beforeAll(async () => {
    app = Fastify({ genReqId: () => 'req-3', http: { requireHostHeader: false } });
    app.addHook('onRequest', hostRequired({ 'X-Content-Type-Options': 'nosniff' }));
    app.get('/v1/servers', async () => ({ ok: true }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });

  afterAll(() => app.close());

  it('should refuse an HTTP/1.1 request without Host with a problem+json 400', async () => {
    const answer = await raw(port, 'GET /v1/servers HTTP/1.1\r\nConnection: close\r\n\r\n');
    expect(answer.status).toBe(400);
    expect(answer.head).toMatch(/content-type: application\/problem\+json/i);
    expect(answer.head).toMatch(/x-request-id: req-3/i);
    expect(answer.body).toMatchObject({ status: 400, code: 'validation_failed', detail: /Host/ });
  });

  it.each([
    ['an HTTP/1.1 request with Host', 'GET /v1/servers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['an HTTP/1.0 request without Host', 'GET /v1/servers HTTP/1.0\r\n\r\n'],
  ])('should let %s through', async (_, bytes) => {
    const answer = await raw(port, bytes);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ ok: true });
  });
});
