import { catalogPicks, clientFor } from '../support/api';
import { KEYS, startTestGateway, type TestGateway } from '../support/gateway';
import { call } from '../support/hostile-gateway';
import { slowClient } from '../support/slow-client';

/** Issue 12, point 14: what Node refuses before the router, and a path the router reads two ways. */
describe('HTTP edges', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({
      connections: [{ name: 'cm-edge', kind: 'cloudmc' }],
      server: { rateLimitPerMinute: 0 },
    });
  });

  afterAll(() => gateway?.close());

  it('should answer an HTTP/1.1 request without Host with a problem+json 400', async () => {
    const outcome = await slowClient(gateway.baseUrl, {
      opening: 'GET /v1/servers HTTP/1.1\r\nConnection: close\r\n\r\n',
    });
    expect(outcome.status).toBe(400);
    expect(outcome.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(outcome.headers['x-request-id']).toBeTruthy();
    const problem = JSON.parse(outcome.body) as Record<string, unknown>;
    expect(problem).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(problem.detail).toMatch(/Host/);
  });

  it('should replay an Idempotency-Key first used on /v1/servers when the retry ends in a slash', async () => {
    const picks = await catalogPicks(clientFor(gateway.baseUrl, KEYS.admin), 'cm-edge');
    const body = { provider: 'cm-edge', name: 'edge-slash', ...picks };
    const headers = { 'Idempotency-Key': 'edge-trailing-slash' };
    const first = await call(gateway.baseUrl, 'POST', '/v1/servers', { body, headers });
    expect(first.status).toBe(202);
    const again = await call(gateway.baseUrl, 'POST', '/v1/servers/', { body, headers });
    expect([200, 202]).toContain(again.status);
    expect(again.body.id).toBe(first.body.id);
  });
});
