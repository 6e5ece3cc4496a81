// What goes wrong in the task tests: the random fault mix, the ways one answer gets lost, short deadlines.

import type { FaultRuleInput } from './faults-ledger';

/** Ways a call's answer gets lost: garbled, never sent, cut, or sent after the gateway gave up. */
export const LOST: Record<string, FaultRuleInput> = {
  garbled: { action: 'malformed' },
  'no answer': { action: 'timeout' },
  'cut (reset)': { action: 'reset' },
  late: { action: 'delay', delayMs: 1_500 },
};
/**
 * Short deadlines so that a stuck task shows within the test (seconds, per operation): far above what these
 * operations take at the simulators' speed, even with a few backoffs after the faults.
 */
export const DEADLINES = {
  'server.create': 40,
  'server.stop': 30,
  'server.delete': 30,
  'volume.create': 40,
  'volume.detach': 30,
  'volume.delete': 30,
  'network.create': 40,
  'network.delete': 30,
  'ip.allocate': 40,
  'ip.release': 30,
};

/**
 * Five kinds of failure on any call, together failing `probability` of the calls; one rule per method, so that
 * the figures tell faults on reads from faults on mutating calls.
 */
export function faultMix(probability: number): FaultRuleInput[] {
  const kinds: FaultRuleInput[] = [
    { action: 'error', status: 500 },
    { action: 'reset' },
    { action: 'timeout' },
    { action: 'malformed' },
    // Held past the gateway's timeout, then processed: the call's answer is lost but its effect is real.
    { action: 'delay', delayMs: 1_500 },
  ];
  const each = 1 - (1 - probability) ** (1 / kinds.length);
  return ['GET', 'POST', 'PUT', 'DELETE'].flatMap((method) =>
    kinds.map((kind) => ({ ...kind, method, probability: each })),
  );
}
