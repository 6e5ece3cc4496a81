import type { SimulatorHandle } from '../../sandbox/simulators/common/simulator';
import { FaultLedger } from './faults-ledger';
import { GatewayCaller } from './faults-http';
import { KEYS, startTestGateway, type TestGateway, type TestGatewayOptions } from './gateway';

export const BACKEND_KINDS = ['cloudmc', 'cloudsigma', 'dcimanager', 'imco'] as const;
export type BackendKind = (typeof BACKEND_KINDS)[number];

export interface FaultBackend {
  kind: BackendKind;
  /** Connection name, `<suite prefix>-<kind>`. */
  name: string;
  handle: SimulatorHandle;
}

export interface FaultGateway {
  gateway: TestGateway;
  backends: FaultBackend[];
  /** Admin caller; its tally feeds the figures. */
  caller: GatewayCaller;
  ledger: FaultLedger;
  backend(kind: BackendKind): FaultBackend;
  close(): Promise<void>;
}

/**
 * Short upstream limits so that faults resolve in about a second: one call waits at most `timeoutMs`, a safe
 * call is tried twice, a list waits at most `listDeadlineMs` per backend. Breakers stay shut unless a suite
 * lowers `breakerFailures`; nothing is fresh in the cache, so every read asks the backend and a failure shows
 * (or serves the last copy, marked stale).
 */
export const FAULT_TUNING = {
  timeoutMs: 1_000,
  retries: 1,
  listDeadlineMs: 2_500,
  breakerFailures: 1_000,
  breakerHalfOpenMs: 1_000,
};

/**
 * The test's own HTTP timeout: above every wait the gateway is configured for (one read: two 1 s attempts and a
 * backoff, plus the IMCO handshake diagnosis; DCImanager's wake-up budget of ten tries, about 11 s).
 */
export const ANSWER_WITHIN_MS = 20_000;

/** One gateway over all four backends, each with its own simulator, named `<prefix>-<kind>`. */
export async function startFaultGateway(
  prefix: string,
  options: Pick<TestGatewayOptions, 'tuning' | 'cache' | 'tasks' | 'speed'> = {},
): Promise<FaultGateway> {
  const gateway = await startTestGateway({
    connections: BACKEND_KINDS.map((kind) => ({ name: `${prefix}-${kind}`, kind })),
    speed: options.speed,
    tuning: { ...FAULT_TUNING, ...options.tuning },
    cache: { freshMs: 0, staleMs: 300_000, ...options.cache },
    tasks: options.tasks,
    // The suites send many requests on purpose: the per-key rate limit is not what they test.
    server: { rateLimitPerMinute: 0 },
  });
  const backends = BACKEND_KINDS.map((kind) => {
    const name = `${prefix}-${kind}`;
    return { kind, name, handle: gateway.simulators.get(name)! };
  });
  const kindOf = (name: string) => backends.find((b) => b.name === name)?.kind ?? name;
  return {
    gateway,
    backends,
    caller: new GatewayCaller(gateway.baseUrl, KEYS.admin, ANSWER_WITHIN_MS),
    ledger: new FaultLedger(gateway.simulators, kindOf),
    backend: (kind) => backends.find((b) => b.kind === kind)!,
    close: () => gateway.close(),
  };
}

/**
 * Runs `check` for every backend at once (their faults are independent) and fails with every backend's
 * failure, each named, instead of the first one only.
 */
export async function forEachBackend(
  fg: FaultGateway,
  check: (backend: FaultBackend) => Promise<void>,
): Promise<void> {
  const outcomes = await Promise.allSettled(fg.backends.map((backend) => check(backend)));
  const failures = outcomes.flatMap((outcome, i) =>
    outcome.status === 'rejected'
      ? [`${fg.backends[i].kind}: ${(outcome.reason as Error)?.message ?? String(outcome.reason)}`]
      : [],
  );
  if (failures.length) throw new Error(failures.join('\n\n'));
}
