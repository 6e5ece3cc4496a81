import type { BackendKind } from './faults-gateway';
import type { FaultRuleInput } from './faults-ledger';
import { FULL, sized } from './suite-size';

/** What a read must answer while a fault is on: data, or a problem with this code (docs/errors.md). */
export interface ReadExpectation {
  code: string;
  status: number;
  retryable: boolean;
  /** Seconds the problem must tell the client to wait (sent as `retryAfter` and `Retry-After`). */
  retryAfter?: number;
}

export interface ReadFault {
  label: string;
  rule: FaultRuleInput;
  /** null: the read still answers fresh data (the fault stays within the deadline). */
  expect: ReadExpectation | null;
  /** Per-backend differences, where a backend's protocol gives the same fault another meaning. */
  except?: Partial<Record<BackendKind, ReadExpectation>>;
  /** Per-backend differences in a list, where the list deadline ends the wait first. */
  listExcept?: Partial<Record<BackendKind, ReadExpectation>>;
}

const providerError = { code: 'provider_error', status: 502, retryable: true };
const unavailable = { code: 'provider_unavailable', status: 503, retryable: true };
const timedOut = { code: 'provider_timeout', status: 504, retryable: true };

/** Each fault kind the simulators inject, and the answer a read owes the caller while it is on. */
export const ALL_READ_FAULTS: ReadFault[] = [
  { label: '5xx', rule: { action: 'error', status: 500 }, expect: providerError },
  { label: 'connection reset', rule: { action: 'reset' }, expect: unavailable },
  { label: 'no answer (timeout)', rule: { action: 'timeout' }, expect: timedOut },
  { label: 'malformed body', rule: { action: 'malformed' }, expect: providerError },
  {
    label: '429 with a long Retry-After',
    rule: { action: 'rate-limit', retryAfter: 30 },
    expect: { ...unavailable, retryAfter: 30 },
  },
  { label: 'slow beyond the timeout', rule: { action: 'delay', delayMs: 1_500 }, expect: timedOut },
  { label: 'slow within the timeout', rule: { action: 'delay', delayMs: 300 }, expect: null },
  { label: '502 bad gateway', rule: { action: 'error', status: 502 }, expect: providerError },
  {
    label: '503 with a long Retry-After',
    rule: { action: 'error', status: 503, retryAfter: 30 },
    expect: { ...unavailable, retryAfter: 30 },
    // DCImanager's 503 is a waking service: retried ten times with backoff, then unavailable for 5 s.
    except: { dcimanager: { ...unavailable, retryAfter: 5 } },
    listExcept: { dcimanager: timedOut },
  },
  {
    label: '504 gateway timeout',
    rule: { action: 'error', status: 504 },
    expect: providerError,
    // CloudSigma's own 504 says the operation timed out there.
    except: { cloudsigma: timedOut },
  },
];

/** The short run takes the kinds the issue names first; the full run all of them. */
export const READ_FAULTS = sized(ALL_READ_FAULTS.slice(0, 5), ALL_READ_FAULTS);

export function expectationFor(fault: ReadFault, kind: BackendKind): ReadExpectation | null {
  return fault.except?.[kind] ?? fault.expect;
}

export function listExpectationFor(fault: ReadFault, kind: BackendKind): ReadExpectation | null {
  return fault.listExcept?.[kind] ?? expectationFor(fault, kind);
}

/** The resource collections a list test reads, by resource type. */
export const LIST_PATHS = { server: 'servers', volume: 'volumes', network: 'networks', ip: 'ips' } as const;
export type ListedType = keyof typeof LIST_PATHS;

export interface ListCell {
  kind: BackendKind;
  fault: ReadFault;
  type: ListedType;
  /** Whether the gateway still holds the sick backend's last list (then `stale`, else `error`). */
  cached: boolean;
}

/**
 * Short: each backend sick with another fault kind, cached or not. Full: every kind × backend (cached or not in
 * turn), and every resource type with and without a cached copy.
 */
export function listCells(kinds: readonly BackendKind[]): ListCell[] {
  if (!FULL)
    return kinds.map((kind, i) => ({
      kind,
      fault: READ_FAULTS[i % READ_FAULTS.length],
      type: 'server' as const,
      cached: i % 2 === 1,
    }));
  const cells: ListCell[] = [];
  ALL_READ_FAULTS.forEach((fault, f) =>
    kinds.forEach((kind, k) => cells.push({ kind, fault, type: 'server', cached: (f + k) % 2 === 0 })),
  );
  for (const type of ['volume', 'network', 'ip'] as const)
    for (const kind of kinds)
      for (const cached of [true, false]) cells.push({ kind, fault: ALL_READ_FAULTS[0], type, cached });
  return cells;
}
