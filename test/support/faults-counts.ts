import type { ChainOutcome } from './faults-chains';
import type { BackendKind } from './faults-gateway';
import { KEPT_AFTER_DELETE, SIM_COUNT, UNCOUNTED } from './faults-resources';

export interface ExpectedCounts {
  counts: Record<string, number>;
  /** Counts a failed create may or may not have touched (a drive cloned before the failure...). */
  unchecked: string[];
}

/**
 * The simulator's resource counts once the chains ended, from the counts before and what the tasks said:
 * a created resource is there once (a duplicate shows as one more), a deleted one is gone but for what the
 * backend keeps by design, and a failed create left no resource of its type unless its task names one. Keys
 * nothing accounts for exactly are left out (`unchecked`); names are checked one by one in faults-outcomes.
 */
export function expectedCounts(
  kind: BackendKind,
  before: Record<string, number>,
  outcomes: ChainOutcome[],
): ExpectedCounts {
  const counts = { ...before };
  const unchecked = new Set(UNCOUNTED[kind] ?? []);
  for (const outcome of outcomes) {
    const typeKey = SIM_COUNT[kind][outcome.spec.type]!;
    const kept = KEPT_AFTER_DELETE[kind]?.[outcome.spec.type] ?? {};
    if (!outcome.created) {
      // A failed create may leave what its task names (counted by name in expectStateMatches); one that
      // needs attention says it found more than one candidate: a person must look, as ADR 0002 has it.
      const undecided = outcome.tasks.some((task) => task.error?.code === 'needs_attention');
      for (const key of Object.keys(kept)) unchecked.add(key);
      if (outcome.resourceId || undecided) unchecked.add(typeKey);
      continue;
    }
    if (outcome.deleted) {
      for (const [key, n] of Object.entries(kept)) counts[key] += n;
      continue;
    }
    // A live resource brings companions (a root volume, a subnet...): only its own count is exact then.
    counts[typeKey] += 1;
    for (const key of Object.keys(before)) if (key !== typeKey) unchecked.add(key);
  }
  for (const key of unchecked) delete counts[key];
  return { counts, unchecked: [...unchecked] };
}

/** The counts without the unchecked keys, to compare with `expectedCounts`. */
export function checkedCounts(
  after: Record<string, number>,
  expected: ExpectedCounts,
): Record<string, number> {
  const checked = { ...after };
  for (const key of expected.unchecked) delete checked[key];
  return checked;
}
