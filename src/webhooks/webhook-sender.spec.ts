import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendAttempt } from './webhook-sender';

describe('webhook sender', () => {
  let server: Server;
  let port: number;
  let handler: (req: IncomingMessage, res: ServerResponse) => void;
  const seen: Array<{ host?: string; path?: string; body: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({ host: req.headers.host, path: req.url, body });
        handler(req, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => (seen.length = 0));

  const pinned = (path = '/in') => ({
    // A name that resolves nowhere: only the pinned look-up can connect it.
    url: `http://hooks.invalid:${port}${path}`,
    address: '127.0.0.1',
    family: 4 as const,
  });

  it('should connect to the pinned address whatever the name, and count a 2xx as delivered', async () => {
    handler = (_req, res) => res.writeHead(204).end();
    const outcome = await sendAttempt(pinned(), { 'webhook-id': 'msg_1' }, '{"a":1}', 2_000);
    expect(outcome).toMatchObject({ statusCode: 204, error: null });
    expect(outcome.latencyMs).toBeGreaterThanOrEqual(0);
    expect(seen).toEqual([{ host: `hooks.invalid:${port}`, path: '/in', body: '{"a":1}' }]);
  });

  it('should not follow a redirect: a 3xx is a failed attempt', async () => {
    handler = (req, res) =>
      req.url === '/moved' ? res.writeHead(302, { location: '/in' }).end() : res.writeHead(200).end();
    const outcome = await sendAttempt(pinned('/moved'), {}, '{}', 2_000);
    expect(outcome).toMatchObject({ statusCode: 302, error: 'HTTP 302: redirects are not followed' });
    expect(seen.map((s) => s.path)).toEqual(['/moved']);
  });

  it('should fail on an error status, a large answer read no further, and a receiver too slow', async () => {
    handler = (_req, res) => res.writeHead(500).end('x'.repeat(1_000_000));
    expect(await sendAttempt(pinned(), {}, '{}', 2_000)).toMatchObject({
      statusCode: 500,
      error: 'HTTP 500',
    });
    handler = () => undefined;
    const slow = await sendAttempt(pinned(), {}, '{}', 500);
    expect(slow).toMatchObject({ statusCode: null, error: 'no answer within 500 ms' });
  });
});
