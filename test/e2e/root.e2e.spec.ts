import { KEYS, startTestGateway, type TestGateway } from '../support/gateway';

describe('the API root, GET /v1 (e2e)', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({
      connections: [
        { name: 'cm-a', kind: 'cloudmc' },
        { name: 'im-a', kind: 'imco' },
      ],
    });
  });

  afterAll(() => gateway.close());

  const get = (path: string, key?: string) =>
    fetch(`${gateway.baseUrl}${path}`, { headers: key ? { Authorization: `Bearer ${key}` } : {} });

  it('should answer with an index of the collections, the docs and the OpenAPI document', async () => {
    for (const path of ['/v1', '/v1/']) {
      const response = await get(path, KEYS.reader);
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toEqual({
        links: {
          servers: '/v1/servers',
          volumes: '/v1/volumes',
          networks: '/v1/networks',
          ips: '/v1/ips',
          sshKeys: '/v1/ssh-keys',
          tasks: '/v1/tasks',
          events: '/v1/events',
          webhooks: '/v1/webhooks',
          providers: '/v1/providers',
        },
        docs: '/docs',
        openapi: '/openapi.json',
      });
    }
  });

  it('should follow every collection link with the same key', async () => {
    const index = (await (await get('/v1', KEYS.admin)).json()) as { links: Record<string, string> };
    for (const [name, href] of Object.entries(index.links)) {
      if (name === 'events') continue; // a stream that stays open
      const response = await get(href, KEYS.admin);
      expect({ name, status: response.status }).toEqual({ name, status: 200 });
    }
  });

  it('should want an API key like every other /v1 route', async () => {
    const anonymous = await get('/v1');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await anonymous.json()).toMatchObject({ code: 'unauthenticated' });
    expect((await get('/v1', 'not-a-key-of-this-gateway')).status).toBe(401);
  });
});
