import { call, startHostileGateway, taskEnd, type HostileGateway } from '../support/hostile-gateway';
import { eventually } from '../support/trickling-backend';

/**
 * Issue 12, point 4: a backend that sends its headers and then a byte every half second. Every upstream call has
 * a wall-clock deadline (`timeoutMs`), so a read answers `provider_timeout`, the stuck sockets are closed and the
 * bulkhead's slots come back; a reboot whose POST never completed is not reported as done.
 */
describe('a backend that trickles its answers', () => {
  let hg: HostileGateway;
  let serverId: string;

  beforeAll(async () => {
    hg = await startHostileGateway({
      tuning: {
        timeoutMs: 1_500,
        retries: 1,
        concurrency: 4,
        breakerFailures: 3,
        breakerHalfOpenMs: 1_000,
        deadlines: { 'server.reboot': 5 },
      },
    });
    const list = await call(hg.baseUrl, 'GET', '/v1/servers');
    serverId = (list.body.items as Array<{ id: string; state: string }>).find(
      (s) => s.state === 'running',
    )!.id;
  });

  afterAll(() => hg?.close());

  it('should answer a read with provider_timeout, free every stuck call, and serve again once the backend recovers', async () => {
    hg.backend.rules = [{ method: 'GET', path: /\/instances\// }];
    const first = await call(hg.baseUrl, 'GET', `/v1/servers/${hg.connection}:ghost-0`);
    expect(first.status).toBe(504);
    expect(first.body).toMatchObject({ code: 'provider_timeout', provider: hg.connection });

    // More stuck reads at once than the connection's bulkhead (4) lets through.
    const reads = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        call(hg.baseUrl, 'GET', `/v1/servers/${hg.connection}:ghost-${i + 1}`),
      ),
    );
    for (const read of reads) {
      expect([503, 504]).toContain(read.status);
      expect(read.body.code).toMatch(/^provider_(timeout|unavailable)$/);
    }
    // The gateway closed the connections of the calls it gave up on.
    await eventually(
      () => hg.backend.open === 0,
      () => `${hg.backend.open} trickled answers still open`,
    );

    hg.backend.rules = [];
    let last = 0;
    await eventually(
      async () => (last = (await call(hg.baseUrl, 'GET', `/v1/servers/${serverId}`)).status) === 200,
      () => `the read still answers ${last}`,
    );
  });

  it('should fail a reboot whose POST never completed with timeout, not succeeded, and free the server', async () => {
    hg.backend.rules = [{ method: 'POST', path: /operation=reboot/ }];
    const accepted = await call(hg.baseUrl, 'POST', `/v1/servers/${serverId}/reboot`);
    expect(accepted.status).toBe(202);
    const ended = await taskEnd(hg.baseUrl, String(accepted.body.id));
    expect(hg.backend.trickled.some((line) => line.startsWith('POST') && line.includes('reboot'))).toBe(true);
    expect(ended).toMatchObject({ status: 'failed', error: { code: 'timeout' } });

    // The lock is gone and the connection works: the next reboot is accepted and carried out.
    hg.backend.rules = [];
    const again = await call(hg.baseUrl, 'POST', `/v1/servers/${serverId}/reboot`);
    expect(again.status).toBe(202);
    expect(await taskEnd(hg.baseUrl, String(again.body.id))).toMatchObject({ status: 'succeeded' });
  });
});
