import { api, clientFor, type Client } from '../support/api';
import { KEYS, sim, startTestGateway, type TestGateway } from '../support/gateway';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Wire = Record<string, unknown>;

describe('a sick backend hurts only its own rows (e2e)', () => {
  let gateway: TestGateway;
  let client: Client;

  /** The instances the simulator really lists, read past the gateway: the base of the odd answer. */
  const instancesOf = async (connection: string): Promise<Wire[]> => {
    const { endpoint, apiKey, serviceCode, environment } = gateway.simulators.get(connection)!
      .connection as Record<string, string>;
    const response = await fetch(`${endpoint}/services/${serviceCode}/${environment}/instances`, {
      headers: { 'MC-Api-Key': apiKey },
    });
    return ((await response.json()) as { data: Wire[] }).data;
  };

  beforeAll(async () => {
    gateway = await startTestGateway({
      connections: [
        { name: 'cm-a', kind: 'cloudmc' },
        { name: 'cm-b', kind: 'cloudmc' },
      ],
      cache: { freshMs: 200 },
      // Breakers would open on the failures these tests cause on purpose; they have their own contract test.
      tuning: { breakerFailures: 1000 },
    });
    client = clientFor(gateway.baseUrl, KEYS.admin);
  });

  afterEach(async () => {
    for (const handle of gateway.simulators.values()) await sim(handle, 'DELETE', '/faults');
  });

  afterAll(() => gateway.close());

  it('should serve the last list of a failing backend marked stale, and the other backend fresh', async () => {
    const before = await api.listServers({ client });
    expect(before.data!.providers.map((p) => p.status)).toEqual(['ok', 'ok']);
    const bIds = before.data!.items.filter((s) => s.provider === 'cm-b').map((s) => s.id);

    await sim(gateway.simulators.get('cm-b')!, 'POST', '/faults', {
      action: 'error',
      status: 500,
      path: '/instances',
    });
    await sleep(300); // past freshMs: the gateway must ask the backend again
    const after = await api.listServers({ client });
    expect(after.response.status).toBe(200);
    const [a, b] = after.data!.providers;
    expect(a).toMatchObject({ provider: 'cm-a', status: 'ok' });
    expect(b).toMatchObject({
      provider: 'cm-b',
      status: 'stale',
      error: { code: 'provider_error', retryable: true, provider: 'cm-b' },
    });
    expect(Date.parse(b.observedAt!)).toBeLessThan(Date.parse(a.observedAt!));
    expect(after.data!.items.filter((s) => s.provider === 'cm-b').map((s) => s.id)).toEqual(bIds);

    const one = await api.getServer({ client, path: { id: bIds[0] } });
    expect(one.response.status).toBe(200);
    expect(one.response.headers.get('cache-status')).toMatch(/stale/);
    expect(Number(one.response.headers.get('age'))).toBeGreaterThanOrEqual(0);
  });

  it('should report a backend with nothing cached as an error in providers[], not fail the list', async () => {
    await sim(gateway.simulators.get('cm-b')!, 'POST', '/faults', {
      action: 'error',
      status: 503,
      path: '/volumes$',
    });
    const volumes = await api.listVolumes({ client, query: { fresh: true } });
    expect(volumes.response.status).toBe(200);
    expect(volumes.data!.providers).toEqual([
      expect.objectContaining({ provider: 'cm-a', status: 'ok' }),
      expect.objectContaining({
        provider: 'cm-b',
        status: expect.stringMatching(/stale|error/),
        error: expect.objectContaining({ provider: 'cm-b' }),
      }),
    ]);
    expect(volumes.data!.items.some((v) => v.provider === 'cm-a')).toBe(true);
  });

  it('should not wait for a slow backend beyond its list deadline', async () => {
    // cm-a this time: cm-b's circuit breaker may be open after the failures above.
    await sim(gateway.simulators.get('cm-a')!, 'POST', '/faults', {
      action: 'delay',
      delayMs: 8_000,
      path: '/networks$',
    });
    const networks = await api.listNetworks({ client, query: { fresh: true } });
    expect(networks.response.status).toBe(200);
    expect(networks.data!.providers[0]).toMatchObject({
      provider: 'cm-a',
      error: { code: 'provider_timeout' },
    });
    expect(networks.data!.providers[1]).toMatchObject({ provider: 'cm-b', status: 'ok' });
    expect(networks.data!.items.some((n) => n.provider === 'cm-b')).toBe(true);
  });

  it('should list the other items of a backend answering a malformed one as partial, and answer 502 for that one (ADR 0004)', async () => {
    const real = await instancesOf('cm-b');
    const broken = { ...real[0], id: 'broken-1', nics: 'x' };
    const cmB = gateway.simulators.get('cm-b')!;
    await sim(cmB, 'POST', '/faults', {
      action: 'body',
      method: 'GET',
      path: '/instances$',
      count: 1,
      body: { data: [...real, broken] },
    });

    const list = await api.listServers({ client, query: { fresh: true } });
    expect(list.response.status).toBe(200);
    const [a, b] = list.data!.providers;
    expect(a).toMatchObject({ provider: 'cm-a', status: 'ok' });
    expect(a.error).toBeUndefined();
    expect(b).toMatchObject({
      provider: 'cm-b',
      status: 'partial',
      skipped: 1,
      error: { code: 'provider_error', detail: expect.stringContaining('/nics') },
    });
    const providers = new Set(list.data!.items.map((s) => s.provider));
    expect([...providers].sort()).toEqual(['cm-a', 'cm-b']);
    expect(list.data!.items.filter((s) => s.provider === 'cm-b').map((s) => s.id)).toEqual(
      real.map((r) => `cm-b:${String(r.id)}`).sort(),
    );
    expect(list.data!.items.some((s) => s.id === 'cm-b:broken-1')).toBe(false);

    await sim(cmB, 'POST', '/faults', {
      action: 'body',
      method: 'GET',
      path: '/instances/broken-1$',
      body: { data: broken },
    });
    const one = await api.getServer({ client, path: { id: 'cm-b:broken-1' }, query: { fresh: true } });
    expect(one.response.status).toBe(502);
    expect(one.error).toMatchObject({ code: 'provider_error', retryable: false });
  });
});
