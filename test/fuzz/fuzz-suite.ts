import fc from 'fast-check';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { FULL, sized } from '../support/suite-size';
import { CONNECTIONS, type Fixtures, readFixtures } from './fixtures';
import type { FuzzCase } from './fuzz-case';
import { FuzzRun } from './fuzz-run';
import { loadOperations, type Operation } from './openapi-model';

/** Fixed in the short form (reproducible CI), random and printed in the full one; `FUZZ_SEED` replays. */
export const SEED = Number(
  process.env.FUZZ_SEED ?? (FULL ? Math.floor(Math.random() * 2 ** 31) : 20_260_808),
);
/** Runs per property: a few hundred requests per suite in `npm test`, thousands with `SUITE_SIZE=full`. */
export const RUNS = sized(25, 450);

export interface FuzzContext {
  gateway: TestGateway;
  fixtures: Fixtures;
  operations: Operation[];
  run: FuzzRun;
}

type Build = (ctx: FuzzContext) => fc.Arbitrary<FuzzCase>;

/** Counterexamples print as one short line, not as a 60 KB body. */
function summarized(fuzz: FuzzCase): FuzzCase {
  return Object.defineProperty(fuzz, fc.toStringMethod, {
    value: () => {
      const body = fuzz.request.body === undefined ? '' : ` ${String(fuzz.request.body).slice(0, 120)}`;
      return `${fuzz.category}: ${fuzz.request.method} ${fuzz.request.target.slice(0, 200)}${body}`;
    },
  });
}

/**
 * A gateway over the four sandbox backends (rate limit off: thousands of requests from one key), and a way to
 * declare properties over it. After each property the gateway must still be live, and (but for `accepting`
 * properties) no task may have appeared and no backend may have seen a mutating call.
 */
export function fuzzSuite(suite: string) {
  const context = {} as FuzzContext;
  jest.setTimeout(sized(60_000, 900_000));

  beforeAll(async () => {
    context.gateway = await startTestGateway({ connections: CONNECTIONS, server: { rateLimitPerMinute: 0 } });
    context.fixtures = await readFixtures(context.gateway.baseUrl);
    context.operations = loadOperations();
    context.run = new FuzzRun(context.gateway, context.fixtures, SEED);
  });

  afterAll(async () => {
    context.run?.report(suite);
    await context.gateway?.close();
  });

  /** Checks every generated case; `accepted` collects the ids of the tasks 2xx answers returned. */
  const check = async (build: Build, runs: number, accepted?: Set<string>) =>
    fc.assert(
      fc.asyncProperty(build(context).map(summarized), async (fuzz) => {
        const response = await context.run.check(fuzz);
        if (accepted && response.status < 300) accepted.add((JSON.parse(response.body) as { id: string }).id);
      }),
      { seed: SEED, numRuns: runs },
    );

  const invalidOnly = (build: Build, runs: number) => async () => {
    const before = await context.run.footprint();
    await check(build, runs);
    expect(await context.run.live()).toBe(200);
    expect(await context.run.footprint()).toEqual(before);
  };

  return {
    context,
    /** Invalid input only: nothing may change. */
    property(title: string, build: Build, runs = RUNS) {
      it(title, invalidOnly(build, runs));
    },
    /** Valid mutations among invalid ones: exactly one new task per accepted answer, and all of them end. */
    accepting(title: string, build: Build, runs = RUNS) {
      it(title, async () => {
        const before = await context.run.footprint();
        const accepted = new Set<string>();
        await check(build, runs, accepted);
        expect(await context.run.live()).toBe(200);
        expect((await context.run.footprint()).tasks).toBe(before.tasks + accepted.size);
        await context.run.settle([...accepted]);
      });
    },
  };
}
