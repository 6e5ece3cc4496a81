/** A seeded PRNG (mulberry32), so that a crash run that found something can be replayed with its seed. */
export interface Rng {
  readonly seed: number;
  /** In [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  between(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(probability: number): boolean;
}

/** `CRASH_SEED` replays a run; otherwise a fresh seed, printed with the results. */
export function seededRng(seed = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31))): Rng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    seed,
    next,
    between: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
    chance: (probability) => next() < probability,
  };
}

/**
 * An independent stream for one part of a run (the workload of a phase, its chaos), so that how the parts
 * interleave in time does not change what each of them draws: a seed replays the same plans and kill choices.
 */
export function childRng(parent: Rng, label: string): Rng {
  let hash = 0x811c9dc5;
  for (const char of label) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193);
  return seededRng((parent.seed ^ hash) >>> 0);
}
