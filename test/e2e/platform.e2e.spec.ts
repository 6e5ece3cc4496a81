import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, clientFor, type Client } from '../support/api';
import { KEYS, startTestGateway, type TestGateway } from '../support/gateway';

describe('health, metrics, docs, CORS and the capability document (e2e)', () => {
  let gateway: TestGateway;
  let client: Client;

  beforeAll(async () => {
    gateway = await startTestGateway({ connections: [{ name: 'cm-a', kind: 'cloudmc' }] });
    client = clientFor(gateway.baseUrl, KEYS.admin);
  });

  afterAll(() => gateway.close());

  it('should report liveness and readiness without a key, and provider reachability to a key', async () => {
    expect((await api.healthLive({ client: clientFor(gateway.baseUrl) })).data).toEqual({ status: 'ok' });
    const ready = await api.healthReady({ client: clientFor(gateway.baseUrl) });
    expect(ready.response.status).toBe(200);
    expect(ready.data).toMatchObject({
      status: 'ok',
      details: { redis: { status: 'up' }, queue: { status: 'up' } },
    });
    // Connections are named only to a key that may see them (issue 12).
    expect(ready.data!.providers).toEqual([]);
    const named = await api.healthReady({ client });
    expect(named.data!.providers.map((p) => p.name)).toEqual(['cm-a']);
  });

  it('should expose Prometheus metrics', async () => {
    await api.listServers({ client });
    // A key that sees every connection (the series name them all).
    const text = await (
      await fetch(`${gateway.baseUrl}/metrics`, { headers: { Authorization: `Bearer ${KEYS.admin}` } })
    ).text();
    expect(text).toContain('gateway_http_request_duration_seconds_bucket');
    expect(text).toMatch(
      /gateway_upstream_request_duration_seconds_count\{provider="cm-a",kind="cloudmc",operation="instances.list",outcome="ok"\}/,
    );
    expect(text).toContain('gateway_queue_jobs');
    expect(text).not.toContain(String(gateway.simulators.get('cm-a')!.connection.apiKey));
  });

  it('should serve the same OpenAPI document as the committed one, and Swagger UI', async () => {
    const served = await (await fetch(`${gateway.baseUrl}/openapi.json`)).json();
    const committed = JSON.parse(
      readFileSync(join(__dirname, '..', '..', 'openapi', 'openapi.json'), 'utf8'),
    );
    expect(served).toEqual(committed);
    const docs = await fetch(`${gateway.baseUrl}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger-ui');
  });

  it('should echo a caller X-Request-Id and make one up otherwise', async () => {
    const given = await fetch(`${gateway.baseUrl}/v1/servers`, {
      headers: { Authorization: `Bearer ${KEYS.admin}`, 'X-Request-Id': 'trace-123' },
    });
    expect(given.headers.get('x-request-id')).toBe('trace-123');
    const made = await fetch(`${gateway.baseUrl}/health/live`);
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9A-Z]{26}$/);
  });

  it('should answer CORS preflights for allowed origins and expose the headers a frontend reads', async () => {
    const preflight = await fetch(`${gateway.baseUrl}/v1/servers`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example.com',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,idempotency-key,prefer',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('idempotency-key');
    const actual = await fetch(`${gateway.baseUrl}/v1/servers`, {
      headers: { Origin: 'https://app.example.com', Authorization: `Bearer ${KEYS.admin}` },
    });
    expect(actual.headers.get('access-control-expose-headers')).toContain('Location');
    expect(actual.headers.get('access-control-expose-headers')).toContain('X-Request-Id');
    const foreign = await fetch(`${gateway.baseUrl}/v1/servers`, {
      headers: { Origin: 'https://evil.example.com', Authorization: `Bearer ${KEYS.admin}` },
    });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('should describe a connection: reachability, capabilities and provider option schemas', async () => {
    const listed = await api.listProviders({ client });
    expect(listed.data!.items).toEqual([
      expect.objectContaining({
        name: 'cm-a',
        kind: 'cloudmc',
        status: expect.stringMatching(/reachable|unknown/),
      }),
    ]);
    const detail = await api.getProvider({ client, path: { name: 'cm-a' } });
    expect(detail.data!.capabilities).toEqual(
      expect.arrayContaining([
        'server.read',
        'server.create',
        'volume.attach',
        'ip.release',
        'catalog.images',
      ]),
    );
    const create = detail.data!.operations.find((o) => o.operation === 'server.create')!;
    expect(create).toMatchObject({
      supported: true,
      providerOptionsSchema: { type: 'object', additionalProperties: false },
    });
    // User-data is a field of the API's own (a secret), not a provider option: the connection says it takes it.
    const options = Object.keys((create.providerOptionsSchema as { properties: object }).properties);
    expect(options).toContain('rootVolumeSizeInGb');
    expect(options).not.toContain('userData');
    expect(detail.data!.features.userData).toMatchObject({ supported: true, maxBytes: expect.any(Number) });
    const start = detail.data!.operations.find((o) => o.operation === 'server.start')!;
    expect(start.providerOptionsSchema).toMatchObject({ additionalProperties: false });
  });

  it('should publish the whole request body each operation takes here, and refuse a body that breaks it', async () => {
    const detail = await api.getProvider({ client, path: { name: 'cm-a' } });
    const schemaOf = (operation: string) =>
      detail.data!.operations.find((o) => o.operation === operation)!.requestSchema as {
        required?: string[];
        properties: Record<string, Record<string, unknown>>;
        allOf?: unknown[];
        additionalProperties: boolean;
      };
    const create = schemaOf('server.create');
    expect(create.required).toEqual(expect.arrayContaining(['provider', 'name', 'imageId']));
    expect(create.properties.provider.enum).toEqual(['cm-a']);
    expect(create.properties.userData).toMatchObject({ maxLength: detail.data!.features.userData.maxBytes });
    expect(create.properties.providerOptions).toMatchObject({ additionalProperties: false });
    expect(create.additionalProperties).toBe(false);
    // CloudMC makes data volumes attached to an instance: the schema says so, and a body without one is refused.
    expect(schemaOf('volume.create').allOf).toEqual([{ required: ['serverId'] }]);
    expect(schemaOf('server.start')).toMatchObject({ maxProperties: 0 });
    const refused = await api.createVolume({
      client,
      body: { provider: 'cm-a', name: 'data', sizeGb: 10 },
    });
    expect(refused.response.status).toBe(400);
    expect(JSON.stringify(refused.error)).toContain('serverId');
  });

  it('should serve the catalog with gateway ids', async () => {
    const [images, plans, locations] = await Promise.all([
      api.listProviderImages({ client, path: { name: 'cm-a' } }),
      api.listProviderPlans({ client, path: { name: 'cm-a' } }),
      api.listProviderLocations({ client, path: { name: 'cm-a' } }),
    ]);
    for (const list of [images.data!.items, plans.data!.items, locations.data!.items]) {
      expect(list.length).toBeGreaterThan(0);
      for (const item of list) expect(item.id).toBe(`cm-a:${item.nativeId}`);
    }
    expect(plans.data!.items.some((p) => p.custom)).toBe(true);
  });
});
