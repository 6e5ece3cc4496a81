import { Redis } from 'ioredis';
import { keys } from '../../src/common/redis/keys';
import type { ProviderListStatus, Server } from '../generated/client';
import { expectListEntryProblem, expectProviderProblem } from '../support/faults-expect';
import {
  BACKEND_KINDS,
  forEachBackend,
  startFaultGateway,
  type FaultGateway,
} from '../support/faults-gateway';
import {
  expectationFor,
  LIST_PATHS,
  listCells,
  listExpectationFor,
  READ_FAULTS,
} from '../support/faults-kinds';
import { reportFigures } from '../support/faults-report';
import { UNKNOWN_SERVER } from '../support/faults-resources';

// Reads under every fault kind. A single read always answers: the last copy marked stale, or the problem
// docs/errors.md promises (all four backends at once, each with its own faults). A fan-out list with one
// backend sick answers 200 with the other three backends' rows, and providers[] names the sick one: `stale`
// with its last rows when the gateway holds a copy, else `error`.

interface Listed {
  items: Array<{ id: string; provider: string }>;
  providers: ProviderListStatus[];
  nextPageToken: string | null;
}

const idsOf = (list: Listed, provider: string) =>
  list.items.filter((item) => item.provider === provider).map((item) => item.id);

describe('reads while a backend fails (faults, all four backends)', () => {
  let fg: FaultGateway;
  let redis: Redis;
  /** A server of each backend, read once while healthy: the gateway holds a copy it may serve stale. */
  const known: Record<string, Server> = {};
  /** Ids per type and connection, listed while every backend was healthy. */
  const healthy: Record<string, Record<string, string[]>> = {};

  beforeAll(async () => {
    // No request budget: its connection-wide hold after a 429 (budget.faults.spec.ts) would carry a case's 30 s
    // Retry-After into the next cases, which each start on a backend with no memory of the last.
    fg = await startFaultGateway('frd', { tuning: { requestsPerSecond: 0 } });
    redis = new Redis(fg.gateway.redisUrl);
    for (const [type, path] of Object.entries(LIST_PATHS)) {
      const list = await fg.caller.get<Listed>(`/v1/${path}?pageSize=500`);
      expect(list.body.providers.map((p) => p.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
      expect(list.body.nextPageToken).toBeNull();
      healthy[type] = Object.fromEntries(fg.backends.map((b) => [b.name, idsOf(list.body, b.name)]));
    }
    for (const backend of fg.backends) {
      const [first] = healthy.server[backend.name];
      const read = await fg.caller.get<Server>(`/v1/servers/${first}`);
      expect(read.status).toBe(200);
      known[backend.kind] = read.body;
      // The unknown ids are well formed and reach the backend, which says 404 while healthy.
      const unknown = await fg.caller.get(`/v1/servers/${backend.name}:${UNKNOWN_SERVER[backend.kind]}`);
      expect(unknown.problem).toMatchObject({ code: 'not_found' });
    }
  });

  afterEach(() => fg.ledger.clearAll());

  afterAll(async () => {
    reportFigures('reads', fg.ledger, fg.caller.tally);
    redis?.disconnect();
    await fg?.close();
  });

  describe('single reads', () => {
    it.each(READ_FAULTS)(
      '$label on every GET: a cached server answers (stale when the fault shows), an uncached one its problem',
      async (fault) => {
        await forEachBackend(fg, async (backend) => {
          const expected = expectationFor(fault, backend.kind);
          const mine = known[backend.kind];
          await fg.ledger.inject(backend.name, { ...fault.rule, method: 'GET' });
          const [cached, uncached] = await Promise.all([
            fg.caller.get<Server>(`/v1/servers/${mine.id}`),
            fg.caller.get(`/v1/servers/${backend.name}:${UNKNOWN_SERVER[backend.kind]}`),
          ]);
          await fg.ledger.clear(backend.name);
          expect(cached.status).toBe(200);
          expect(cached.body).toMatchObject({ id: mine.id, name: mine.name });
          if (expected) {
            expect(cached.headers.get('cache-status')).toMatch(/stale/);
            expectProviderProblem(uncached, expected, backend.name);
          } else {
            expect(cached.headers.get('cache-status')).toBeNull();
            expect(uncached.problem).toMatchObject({ code: 'not_found' });
          }
        });
      },
    );

    it('waits out a 429 with a short Retry-After and answers fresh data', async () => {
      await forEachBackend(fg, async (backend) => {
        const [rule] = await fg.ledger.inject(backend.name, {
          action: 'rate-limit',
          method: 'GET',
          retryAfter: 1,
          count: 1,
        });
        const read = await fg.caller.get(`/v1/servers/${known[backend.kind].id}`);
        const hits = await fg.ledger.hitsOf(backend.name, rule);
        await fg.ledger.clear(backend.name);
        // The backend refused once; the answer is fresh (no stale copy), so the refused call was sent again.
        expect(hits).toBe(1);
        expect(read.status).toBe(200);
        expect(read.headers.get('cache-status')).toBeNull();
      });
    });
  });

  describe('lists with one backend sick', () => {
    it.each(listCells(BACKEND_KINDS))(
      '$kind sick with $fault.label, $type list, cached: $cached → 200, the others listed',
      async ({ kind, fault, type, cached }) => {
        const sick = fg.backend(kind);
        // A healthy list first leaves a copy of every backend's rows; the uncached case then drops the sick one's.
        await fg.caller.get(`/v1/${LIST_PATHS[type]}?pageSize=500`);
        if (!cached) await redis.del(keys.snapshot(sick.name, type));
        const [rule] = await fg.ledger.inject(sick.name, { ...fault.rule, method: 'GET' });
        const list = await fg.caller.get<Listed>(`/v1/${LIST_PATHS[type]}?pageSize=500`);
        // An adapter may answer from what it holds itself (DCImanager's networks): then the fault never showed.
        const showed = (await fg.ledger.hitsOf(sick.name, rule)) > 0;
        expect(list.status).toBe(200);
        expect(list.body.providers.map((p) => p.provider)).toEqual(fg.backends.map((b) => b.name));
        for (const other of fg.backends.filter((b) => b !== sick)) {
          const entry = list.body.providers.find((p) => p.provider === other.name);
          expect(entry).toMatchObject({ provider: other.name, status: 'ok' });
          expect(entry!.error).toBeUndefined();
          expect(idsOf(list.body, other.name)).toEqual(healthy[type][other.name]);
        }
        const entry = list.body.providers.find((p) => p.provider === sick.name);
        const expected = showed ? listExpectationFor(fault, kind) : null;
        if (!expected) {
          expect(entry).toMatchObject({ status: 'ok' });
          expect(idsOf(list.body, sick.name)).toEqual(healthy[type][sick.name]);
        } else if (cached) {
          expectListEntryProblem(entry, expected, sick.name, 'stale');
          expect(idsOf(list.body, sick.name)).toEqual(healthy[type][sick.name]);
        } else {
          expectListEntryProblem(entry, expected, sick.name, 'error');
          expect(entry!.observedAt).toBeNull();
          expect(idsOf(list.body, sick.name)).toEqual([]);
        }
      },
    );
  });

  describe('all along', () => {
    it('answered every read, with no 500 and only problem+json errors', () => {
      expect(fg.caller.tally.bad5xx).toEqual([]);
      expect(fg.caller.tally.notProblem).toEqual([]);
    });
  });
});
