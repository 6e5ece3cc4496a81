import { api, clientFor, type Client } from '../support/api';
import { KEYS, sim, startTestGateway, type TestGateway } from '../support/gateway';

type Wire = Record<string, unknown>;

/** One odd 200 answer of a backend costs only the items it spoils (issue 12 point 2, ADR 0004). */
describe('a backend answering malformed items (e2e)', () => {
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
      tuning: { breakerFailures: 1000 },
    });
    client = clientFor(gateway.baseUrl, KEYS.admin);
  });

  afterEach(async () => {
    for (const handle of gateway.simulators.values()) await sim(handle, 'DELETE', '/faults');
  });

  afterAll(() => gateway.close());

  it('should list the other items of that connection as partial, and answer 502 for the malformed one', async () => {
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
    // `partial` joins the generated ProviderListStatus once the OpenAPI document is regenerated.
    expect(String(b.status)).toBe('partial');
    expect((b as { skipped?: number }).skipped).toBe(1);
    expect(b).toMatchObject({
      provider: 'cm-b',
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
