import { KEYS, startTestGateway, type TestGateway } from '../support/gateway';

// Issue 12, point 12: requests without valid credentials are limited per client address (in Redis, so across
// processes), and a valid key is never held back by them.

const LIMIT = 5;
const WRONG = 'not-a-key-of-this-gateway-000000';

describe('failed authentication: limited per client address (security)', () => {
  let gateway: TestGateway;

  const get = (base: string, headers: Record<string, string>) => fetch(`${base}/v1/providers`, { headers });
  const from = (address: string, key?: string) => ({
    'X-Forwarded-For': address,
    ...(key ? { Authorization: `Bearer ${key}` } : {}),
  });

  beforeAll(async () => {
    gateway = await startTestGateway({
      connections: [{ name: 'cm-a', kind: 'cloudmc' }],
      // Behind a trusted proxy: the client address is the one the proxy forwards.
      server: { authFailuresPerMinute: LIMIT, trustProxy: true },
    });
  });

  afterAll(() => gateway.close());

  it('should answer 429 problem+json with Retry-After to the (N+1)th wrong key from one address, while a valid key still works', async () => {
    const attacker = '203.0.113.7';
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT; i++) statuses.push((await get(gateway.baseUrl, from(attacker, WRONG))).status);
    expect(statuses).toEqual(new Array(LIMIT).fill(401));

    const limited = await get(gateway.baseUrl, from(attacker, WRONG));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({
      code: 'rate_limited',
      status: 429,
      retryable: true,
      retryAfter: expect.any(Number),
    });
    // No key at all, and a bad event token, count as failures too.
    expect((await get(gateway.baseUrl, from(attacker))).status).toBe(429);
    const token = await fetch(`${gateway.baseUrl}/v1/events?access_token=evt_${'A'.repeat(32)}`, {
      headers: from(attacker),
    });
    expect(token.status).toBe(429);

    // A valid key is not slowed: neither from the same address (a shared proxy) nor from another one.
    expect((await get(gateway.baseUrl, from(attacker, KEYS.reader))).status).toBe(200);
    expect((await get(gateway.baseUrl, from('198.51.100.20', KEYS.reader))).status).toBe(200);
    // Another address's wrong key is its own affair: 401, not 429.
    expect((await get(gateway.baseUrl, from('198.51.100.21', WRONG))).status).toBe(401);
    // Public routes stay open.
    expect((await fetch(`${gateway.baseUrl}/health/live`, { headers: from(attacker) })).status).toBe(200);

    // The count is in Redis: another gateway process on the same Redis refuses the address as well.
    const other = await startTestGateway({
      connections: [{ name: 'cm-a', kind: 'cloudmc' }],
      reuse: gateway,
      server: { authFailuresPerMinute: LIMIT, trustProxy: true },
    });
    try {
      expect((await get(other.baseUrl, from(attacker, WRONG))).status).toBe(429);
      expect((await get(other.baseUrl, from(attacker, KEYS.admin))).status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('should count the connection’s own address when the proxy is not trusted (X-Forwarded-For does not reset it)', async () => {
    const direct = await startTestGateway({
      connections: [{ name: 'cm-a', kind: 'cloudmc' }],
      reuse: gateway,
      server: { authFailuresPerMinute: LIMIT, trustProxy: false },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i <= LIMIT; i++)
        statuses.push((await get(direct.baseUrl, from(`192.0.2.${i + 1}`, WRONG))).status);
      expect(statuses).toEqual([...new Array(LIMIT).fill(401), 429]);
      expect((await get(direct.baseUrl, from('192.0.2.99', KEYS.reader))).status).toBe(200);
    } finally {
      await direct.close();
    }
  });
});
