/**
 * The reliability and security suites run short in `npm test` (and CI) and long with `SUITE_SIZE=full`
 * (`npm run test:faults`, `test:crash`, `test:fuzz`, `test:security`): the same checks, more rounds.
 */
export const FULL = process.env.SUITE_SIZE === 'full';

/** `short` in the default run, `full` in the named suite's own run. */
export function sized<T>(short: T, full: T): T {
  return FULL ? full : short;
}
