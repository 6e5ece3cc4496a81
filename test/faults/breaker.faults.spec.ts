import type { Server } from '../generated/client';
import { expectProviderProblem } from '../support/faults-expect';
import {
  forEachBackend,
  startFaultGateway,
  type FaultBackend,
  type FaultGateway,
} from '../support/faults-gateway';
import type { FaultRuleInput } from '../support/faults-ledger';
import { reportFigures } from '../support/faults-report';
import { UNKNOWN_SERVER } from '../support/faults-resources';
import { FULL, sized } from '../support/suite-size';

// Circuit breakers per connection: repeated failures open it, then calls fail fast without reaching the
// backend; after the half-open time one successful call closes it again. Each backend trips its own.

const BREAKER_FAILURES = 3;
/** Run in the full form only (`npm run test:faults`), to keep the default run short. */
const fullOnly = FULL ? it : it.skip;
/** Long enough for the fast-failure checks to run inside it on a busy machine. */
const HALF_OPEN_MS = 2_500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Transient failures that count against the breaker. */
const TRIPS: Array<{ label: string; rule: FaultRuleInput; code: string }> = sized(
  [{ label: '5xx', rule: { action: 'error', status: 500 }, code: 'provider_error' }],
  [
    { label: '5xx', rule: { action: 'error', status: 500 }, code: 'provider_error' },
    { label: 'connection reset', rule: { action: 'reset' }, code: 'provider_unavailable' },
    { label: 'no answer (timeout)', rule: { action: 'timeout' }, code: 'provider_timeout' },
  ],
);

const circuitOpen = {
  code: 'provider_unavailable',
  status: 503,
  retryable: true,
  retryAfter: Math.ceil(HALF_OPEN_MS / 1000),
};

describe('circuit breakers under repeated failures (faults, all four backends)', () => {
  let fg: FaultGateway;
  const known: Record<string, Server> = {};
  const transitions = { opened: 0, closed: 0, reopenedFromHalfOpen: 0, fastFailures: 0 };

  const unknown = (backend: FaultBackend) => `/v1/servers/${backend.name}:${UNKNOWN_SERVER[backend.kind]}`;

  /** Reads until the breaker answers for the backend; every answer before that is the fault's own problem. */
  async function tripBreaker(backend: FaultBackend, code: string): Promise<void> {
    for (let reads = 1; reads <= BREAKER_FAILURES + 2; reads++) {
      const answer = await fg.caller.get(unknown(backend));
      // The open circuit says when to come back (Retry-After); the faults themselves carry no such hint.
      if (answer.problem?.code === 'provider_unavailable' && answer.problem.retryAfter !== undefined) {
        expectProviderProblem(answer, circuitOpen, backend.name);
        expect(reads).toBeGreaterThan(1);
        transitions.opened++;
        return;
      }
      expect(answer.problem).toMatchObject({ code, provider: backend.name });
    }
    throw new Error(`the breaker of ${backend.name} did not open after ${BREAKER_FAILURES + 2} failed reads`);
  }

  /** While open: reads, a list and a cached read answer at once, and the backend sees none of them. */
  async function expectFastFailures(backend: FaultBackend): Promise<void> {
    const before = await fg.ledger.requestCount(backend.name);
    for (let i = 0; i < 3; i++)
      expectProviderProblem(await fg.caller.get(unknown(backend)), circuitOpen, backend.name);
    const stale = await fg.caller.get(`/v1/servers/${known[backend.kind].id}`);
    expect(stale.status).toBe(200);
    expect(stale.headers.get('cache-status')).toMatch(/stale/);
    const list = await fg.caller.get<{
      providers: Array<{ provider: string; status: string; error?: unknown }>;
    }>(`/v1/servers?provider=${backend.name}`);
    expect(list.body.providers[0]).toMatchObject({
      provider: backend.name,
      status: 'stale',
      error: { code: 'provider_unavailable', retryAfter: circuitOpen.retryAfter },
    });
    expect(await fg.ledger.requestCount(backend.name)).toBe(before);
    transitions.fastFailures += 5;
  }

  /** After the half-open time a successful read closes the breaker: later reads reach the backend again. */
  async function expectClosesAfterSuccess(backend: FaultBackend): Promise<void> {
    await sleep(HALF_OPEN_MS + 200);
    const before = await fg.ledger.requestCount(backend.name);
    const fresh = await fg.caller.get(`/v1/servers/${known[backend.kind].id}`);
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('cache-status')).toBeNull();
    expect((await fg.caller.get(unknown(backend))).problem).toMatchObject({ code: 'not_found' });
    // Closed, not half-open: one new failure is the backend's own problem, not an open circuit.
    await fg.ledger.inject(backend.name, { action: 'error', status: 500, method: 'GET', count: 1 });
    expect((await fg.caller.get(unknown(backend))).problem).toMatchObject({ code: 'provider_error' });
    await fg.ledger.clear(backend.name);
    expect(await fg.ledger.requestCount(backend.name)).toBeGreaterThan(before);
    transitions.closed++;
  }

  beforeAll(async () => {
    fg = await startFaultGateway('fbr', {
      tuning: { breakerFailures: BREAKER_FAILURES, breakerHalfOpenMs: HALF_OPEN_MS, retries: 0 },
    });
    for (const backend of fg.backends) {
      const list = await fg.caller.get<{ items: Server[] }>(`/v1/servers?provider=${backend.name}`);
      known[backend.kind] = list.body.items[0];
      expect((await fg.caller.get(`/v1/servers/${known[backend.kind].id}`)).status).toBe(200);
    }
  });

  afterEach(() => fg.ledger.clearAll());

  afterAll(async () => {
    reportFigures('breaker', fg.ledger, fg.caller.tally, { breakerTransitions: transitions });
    await fg?.close();
  });

  it.each(TRIPS)('$label: opens, fails fast without backend calls, closes after a success', async (trip) => {
    await forEachBackend(fg, async (backend) => {
      await fg.ledger.inject(backend.name, { ...trip.rule, method: 'GET' });
      await tripBreaker(backend, trip.code);
      await expectFastFailures(backend);
      await fg.ledger.clear(backend.name);
      await expectClosesAfterSuccess(backend);
    });
  });

  fullOnly('a failed trial call in half-open opens the breaker again', async () => {
    await forEachBackend(fg, async (backend) => {
      await fg.ledger.inject(backend.name, { action: 'error', status: 500, method: 'GET' });
      await tripBreaker(backend, 'provider_error');
      await sleep(HALF_OPEN_MS + 200);
      const before = await fg.ledger.requestCount(backend.name);
      // The trial call reaches the backend, fails, and the circuit opens again at once.
      expect((await fg.caller.get(unknown(backend))).problem).toMatchObject({ code: 'provider_error' });
      expect(await fg.ledger.requestCount(backend.name)).toBe(before + 1);
      expectProviderProblem(await fg.caller.get(unknown(backend)), circuitOpen, backend.name);
      expect(await fg.ledger.requestCount(backend.name)).toBe(before + 1);
      transitions.reopenedFromHalfOpen++;
      await fg.ledger.clear(backend.name);
      await expectClosesAfterSuccess(backend);
    });
  });

  fullOnly('one backend with an open breaker leaves the others listed', async () => {
    const sick = fg.backend('imco');
    await fg.ledger.inject(sick.name, { action: 'error', status: 500, method: 'GET' });
    await tripBreaker(sick, 'provider_error');
    const list = await fg.caller.get<{
      items: Server[];
      providers: Array<{ provider: string; status: string }>;
    }>('/v1/servers?pageSize=500');
    expect(list.status).toBe(200);
    expect(list.body.providers.map((p) => [p.provider, p.status])).toEqual(
      fg.backends.map((b) => [b.name, b === sick ? 'stale' : 'ok']),
    );
    for (const backend of fg.backends)
      expect(list.body.items.some((item) => item.provider === backend.name)).toBe(true);
    await fg.ledger.clear(sick.name);
    await expectClosesAfterSuccess(sick);
  });

  it('answered every read, with no 500 and only problem+json errors', () => {
    expect(fg.caller.tally.bad5xx).toEqual([]);
    expect(fg.caller.tally.notProblem).toEqual([]);
  });
});
