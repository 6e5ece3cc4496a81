import { api, catalogPicks, clientFor, succeeded } from '../support/api';
import { expectHidden } from '../support/security-assert';
import { send } from '../support/security-routes';
import { KEYS, startTestGateway, type TestGateway } from '../support/gateway';

// A resource's history is tenant data (docs/design.md#history, #authentication-and-tenancy): a key that may not
// see the connection learns nothing, not even that the resource or its history exists (404 exactly as for a
// connection that does not exist); a read-only key of the connection reads it.

const A = 'cm-a';
const B = 'cm-b';
const UNKNOWN = 'sec-nowhere';
const TYPES = ['servers', 'volumes', 'networks', 'ips'] as const;

jest.setTimeout(120_000);

describe('history tenancy (security)', () => {
  let gateway: TestGateway;
  let serverId: string;
  let nextPageToken: string;

  const get = (path: string, key: string) =>
    send(gateway.baseUrl, { method: 'GET', path }, { Authorization: `Bearer ${key}` });

  beforeAll(async () => {
    // tenantA sees cm-a only, tenantB cm-b only.
    gateway = await startTestGateway({
      connections: [
        { name: A, kind: 'cloudmc' },
        { name: B, kind: 'cloudmc' },
      ],
    });
    const tenantA = clientFor(gateway.baseUrl, KEYS.tenantA);
    const { imageId, planId } = await catalogPicks(tenantA, A);
    const created = await succeeded(
      tenantA,
      (
        await api.createServer({
          client: tenantA,
          body: { provider: A, name: 'sec-history', imageId, planId },
        })
      ).data,
    );
    serverId = created.resource.id!;
    await succeeded(
      tenantA,
      (await api.stopServer({ client: tenantA, path: { id: serverId }, body: {} })).data,
    );
    // Both entries are written (the second just after its task shows as ended), so there is a second page.
    for (let attempt = 0; attempt < 100 && !nextPageToken; attempt++) {
      const page = await api.getServerHistory({
        client: tenantA,
        path: { id: serverId },
        query: { pageSize: 1 },
      });
      nextPageToken = page.data?.nextPageToken ?? '';
      if (!nextPageToken) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(nextPageToken).toBeTruthy();
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('should answer another tenant 404 exactly as for a connection that does not exist, for every type', async () => {
    const nativeId = serverId.slice(A.length + 1);
    for (const type of TYPES) {
      const foreign = await get(`/v1/${type}/${serverId}/history`, KEYS.tenantB);
      const unknown = await get(`/v1/${type}/${UNKNOWN}:${nativeId}/history`, KEYS.tenantB);
      expectHidden(foreign, unknown, { hidden: A, unknown: UNKNOWN }, `${type} history`);
    }
  });

  it('should not let a page token of the owner open the history to another tenant', async () => {
    const query = `?pageSize=1&pageToken=${encodeURIComponent(nextPageToken)}`;
    expect((await get(`/v1/servers/${serverId}/history${query}`, KEYS.tenantA)).status).toBe(200);
    const foreign = await get(`/v1/servers/${serverId}/history${query}`, KEYS.tenantB);
    const unknown = await get(
      `/v1/servers/${UNKNOWN}:${serverId.slice(A.length + 1)}/history${query}`,
      KEYS.tenantB,
    );
    expectHidden(foreign, unknown, { hidden: A, unknown: UNKNOWN }, 'paged history');
  });

  it('should let the owner and a read-only key read it, and nothing of it leak into another tenant’s own history', async () => {
    const owner = await get(`/v1/servers/${serverId}/history`, KEYS.tenantA);
    const reader = await get(`/v1/servers/${serverId}/history`, KEYS.reader);
    expect(owner.status).toBe(200);
    expect(reader).toEqual(owner);
    expect((owner.body.items as Array<{ action: string }>).map((item) => item.action)).toEqual([
      'server.stop',
      'server.create',
    ]);
    // The same native id on tenantB's own connection is another resource: no history there.
    const own = await get(`/v1/servers/${B}:${serverId.slice(A.length + 1)}/history`, KEYS.tenantB);
    expect(own).toMatchObject({ status: 200, body: { items: [], nextPageToken: null } });
  });
});
