import { api, clientFor } from '../support/api';
import { KEYS, startTestGateway, type TestGateway } from '../support/gateway';

describe('security headers and per-key rate limits (e2e)', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({
      connections: [{ name: 'cm-a', kind: 'cloudmc' }],
      server: { rateLimitPerMinute: 5 },
    });
  });

  afterAll(() => gateway.close());

  it('should send security headers on API answers and on the docs', async () => {
    for (const path of ['/v1/providers', '/docs']) {
      const response = await fetch(`${gateway.baseUrl}${path}`, {
        headers: { Authorization: `Bearer ${KEYS.admin}` },
      });
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(response.headers.get('strict-transport-security')).toMatch(/max-age=/);
    }
  });

  it('should answer 429 problem+json with Retry-After once a key spends its minute, without touching other keys', async () => {
    const reader = clientFor(gateway.baseUrl, KEYS.reader);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await api.listProviders({ client: reader })).response.status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const counted = await fetch(`${gateway.baseUrl}/v1/providers`, {
      headers: { Authorization: `Bearer ${KEYS.tenantB}` },
    });
    expect(counted.headers.get('x-ratelimit-limit')).toBe('5');
    expect(counted.headers.get('x-ratelimit-remaining')).toBe('4');
    const limited = await api.listProviders({ client: reader });
    expect(limited.response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(Number(limited.response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.error).toMatchObject({
      code: 'rate_limited',
      status: 429,
      retryable: true,
      retryAfter: expect.any(Number),
    });

    expect(
      (await api.listProviders({ client: clientFor(gateway.baseUrl, KEYS.tenantA) })).response.status,
    ).toBe(200);
    expect((await fetch(`${gateway.baseUrl}/health/live`)).status).toBe(200);
  });

  it('should count a key across routes: its minute is spent whichever routes it calls', async () => {
    const tenant = clientFor(gateway.baseUrl, KEYS.tenantB);
    const statuses = [
      (await api.listProviders({ client: tenant })).response.status,
      (await api.listServers({ client: tenant })).response.status,
      (await api.listVolumes({ client: tenant })).response.status,
      (await api.listNetworks({ client: tenant })).response.status,
      (await api.listIps({ client: tenant })).response.status,
      (await api.listTasks({ client: tenant })).response.status,
    ];
    // tenantB spent one request in the test above.
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  });
});
