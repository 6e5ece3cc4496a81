import { Redis } from 'ioredis';
import { keys } from '../../src/common/redis/keys';
import { call, startHostileGateway, type HostileGateway } from '../support/hostile-gateway';

/** A CloudMC instance list of `count` well-formed instances, as `GET /instances` answers it. */
function instances(count: number, name = (i: number) => `bulk-${i}`): string {
  const items = Array.from({ length: count }, (_, i) => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    name: name(i),
    state: 'Running',
    cpuCount: 1,
    memoryInMB: 512,
    ipAddress: '10.0.0.1',
  }));
  return JSON.stringify({ data: items });
}

/** Counts event-loop turns while `work` runs: a process stalled by one long parse would turn none. */
async function turnsDuring<T>(work: Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0;
  let running = true;
  const spin = () => {
    if (!running) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  const result = await work;
  running = false;
  return { result, turns };
}

/**
 * Issue 12, point 5: answers under the response cap that used to stall the process and bloat Redis (300k items,
 * 13.5 MB; names of megabytes). Bounds: `maxResponseBytes` per answer, `maxListItems` mapped per answer,
 * `cache.maxValueBytes` per cached value, names cut at 255 characters, parsing and mapping in slices.
 */
describe('a backend that answers huge lists', () => {
  let hg: HostileGateway;
  let redis: Redis;
  const servers = (query = '') =>
    call(hg.baseUrl, 'GET', `/v1/servers?provider=hostile&pageSize=500${query}`);

  beforeAll(async () => {
    hg = await startHostileGateway({
      tuning: {
        maxListItems: 10_000,
        maxResponseBytes: 16_777_216,
        listDeadlineMs: 60_000,
        timeoutMs: 60_000,
      },
      cache: { freshMs: 60_000, maxValueBytes: 8_388_608 },
    });
    redis = new Redis(hg.gateway.redisUrl);
  });

  afterAll(async () => {
    redis?.disconnect();
    await hg?.close();
  });

  afterEach(() => {
    hg.backend.answers = [];
  });

  it('should map at most maxListItems of a 40,000-item answer, say partial, cache a bounded value, and keep serving meanwhile', async () => {
    hg.backend.answers = [{ method: 'GET', path: /\/instances(\?|$)/, body: () => instances(40_000) }];
    const { result: list, turns } = await turnsDuring(servers('&fresh=true'));
    expect(list.status).toBe(200);
    const row = (list.body.providers as Array<Record<string, unknown>>)[0];
    expect(row).toMatchObject({
      provider: 'hostile',
      status: 'partial',
      skipped: 1,
      error: { code: 'provider_error', detail: expect.stringContaining('maxListItems') },
    });
    expect(list.body.items).toHaveLength(500);
    expect(list.body.nextPageToken).toEqual(expect.any(String));
    // The parse and the mapping ran in slices: other work got turns in between.
    expect(turns).toBeGreaterThan(10);
    const cached = await redis.strlen(keys.snapshot('hostile', 'server'));
    expect(cached).toBeGreaterThan(0);
    expect(cached).toBeLessThanOrEqual(8_388_608);
    // A cached read says partial too.
    expect(((await servers()).body.providers as Array<{ status: string }>)[0].status).toBe('partial');
  });

  it("should drop an answer over maxResponseBytes as that connection's error, not the whole list", async () => {
    hg.backend.answers = [{ method: 'GET', path: /\/instances(\?|$)/, body: () => instances(300_000) }];
    const list = await servers('&fresh=true');
    expect(list.status).toBe(200);
    expect((list.body.providers as Array<Record<string, unknown>>)[0]).toMatchObject({
      status: expect.stringMatching(/^(error|stale)$/),
      error: { code: 'provider_error', detail: expect.stringContaining('maxResponseBytes') },
    });
  });

  it('should cut a name of a megabyte, and take NUL and invalid UTF-8 debris out', async () => {
    const weird = (i: number) => (i === 0 ? `huge-${'n'.repeat(1_000_000)}` : `nul\u0000-${i}\ufffd`);
    hg.backend.answers = [{ method: 'GET', path: /\/instances(\?|$)/, body: () => instances(3, weird) }];
    const list = await servers('&fresh=true');
    const names = (list.body.items as Array<{ name: string }>).map((item) => item.name);
    expect(names[0]).toHaveLength(255);
    expect(names.slice(1)).toEqual(['nul-1', 'nul-2']);
  });
});
