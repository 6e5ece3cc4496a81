import { KEYS, startTestGateway, type TestGateway } from '../support/gateway';
import { REDIS_ANSWER_WITHIN_MS } from '../support/redis-faults';

// Issue 12, point 9: /health/ready and /metrics named every connection to anyone (SECURITY.md: existence is not
// confirmed to other tenants). Without a key, readiness gives its status and the Redis and queue checks only;
// with a key, the reachability of the connections that key may see, never another's; /metrics takes a key that
// sees every connection. Probes without a key still work (Docker's HEALTHCHECK, crash-chaos).

const ALPHA = 'hx-alpha-conn';
const BETA = 'hx-beta-conn';

interface Answer {
  status: number;
  text: string;
  json: Record<string, unknown>;
}

describe('health and metrics name connections only to callers who may see them (faults)', () => {
  let gateway: TestGateway;

  const get = async (path: string, key?: string): Promise<Answer> => {
    const response = await fetch(`${gateway.baseUrl}${path}`, {
      headers: key ? { Authorization: `Bearer ${key}` } : {},
      signal: AbortSignal.timeout(REDIS_ANSWER_WITHIN_MS),
    });
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // Prometheus text
    }
    return { status: response.status, text, json };
  };

  beforeAll(async () => {
    gateway = await startTestGateway({
      connections: [
        { name: ALPHA, kind: 'cloudmc' },
        { name: BETA, kind: 'cloudsigma' },
      ],
    });
    // Some traffic on both connections, so that their names are in the metrics.
    for (const name of [ALPHA, BETA])
      expect((await get(`/v1/servers?provider=${name}`, KEYS.admin)).status).toBe(200);
  });

  afterAll(() => gateway?.close());

  it('should answer readiness without a key with its status and checks, naming no connection', async () => {
    const ready = await get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.json).toMatchObject({
      status: 'ok',
      details: { redis: { status: 'up' }, queue: { status: 'up' } },
      providers: [],
    });
    expect(ready.text).not.toContain(ALPHA);
    expect(ready.text).not.toContain(BETA);
  });

  it("should name to a key the connections it may see, and no other's", async () => {
    const names = async (key: string) =>
      ((await get('/health/ready', key)).json.providers as Array<{ name: string }>).map((p) => p.name);
    expect(await names(KEYS.tenantA)).toEqual([ALPHA]);
    expect(await names(KEYS.tenantB)).toEqual([BETA]);
    expect(await names(KEYS.admin)).toEqual([ALPHA, BETA]);
    expect((await get('/health/ready', 'not-a-key-0000000000000000000000')).status).toBe(401);
  });

  it('should serve /metrics only to a key that sees every connection', async () => {
    const anonymous = await get('/metrics');
    expect(anonymous.status).toBe(401);
    expect(anonymous.text).not.toContain(ALPHA);
    const tenant = await get('/metrics', KEYS.tenantA);
    expect(tenant.status).toBe(403);
    expect(tenant.text).not.toContain(BETA);
    const scraper = await get('/metrics', KEYS.reader);
    expect(scraper.status).toBe(200);
    expect(scraper.text).toContain('gateway_http_request_duration_seconds_bucket');
    expect(scraper.text).toContain(`provider="${ALPHA}"`);
    expect(scraper.text).toContain(`provider="${BETA}"`);
  });

  it('should keep liveness open to probes without a key', async () => {
    const live = await get('/health/live');
    expect(live).toMatchObject({ status: 200, json: { status: 'ok' } });
  });
});
