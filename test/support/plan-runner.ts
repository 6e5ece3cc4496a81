import { GatewayError } from '../../src/common/errors/gateway-error';
import type { AnyResource } from '../../src/domain/resource';
import { plannerOf } from '../../src/providers/ports/capabilities';
import type { StepContext } from '../../src/providers/ports/operation-plan';
import type { OperationInputs, OperationName } from '../../src/providers/ports/operations';
import type { AdapterDeps, ProviderAdapter } from '../../src/providers/ports/provider-adapter';
import { UpstreamClient } from '../../src/providers/http/upstream-client';

export interface PlanRun {
  nativeId: string | null;
  steps: string[];
  providerStatuses: string[];
  resource?: AnyResource;
}

export interface RunOptions {
  /** Give up after this long (the engine's deadline, in a test). */
  maxMs?: number;
  /** Retry retryable errors, as the engine does (idempotent steps only). */
  retryTransient?: boolean;
  /** Starts the step with this name as if its worker had died mid-call (`resumed: true`). */
  resumeAt?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Drives an adapter's plan the way the task engine does, in process: each step until done, waiting between
 * polls. Contract suites use it to check an adapter against its simulator without Redis or queues.
 */
export async function runPlan<O extends OperationName>(
  adapter: ProviderAdapter,
  operation: O,
  target: string | null,
  input: OperationInputs[O],
  options: RunOptions = {},
): Promise<PlanRun> {
  const planner = plannerOf(adapter, operation);
  if (!planner) throw new Error(`${adapter.name} cannot ${operation}`);
  // A task id shaped like the engine's (ULID length), unique per run: adapters derive markers from it.
  const taskId = `01J${Date.now().toString(36).toUpperCase().padStart(13, '0')}${Math.random().toString(36).slice(2, 12).toUpperCase().padEnd(10, '0')}`;
  const plan = planner({ operation, target, input, taskId });
  const state: Record<string, unknown> = {};
  const run: PlanRun = { nativeId: target, steps: [], providerStatuses: [] };
  const deadline = Date.now() + (options.maxMs ?? 30_000);
  for (const step of plan.steps) {
    run.steps.push(step.name);
    let polls = 0;
    const startedAt = Date.now();
    for (;;) {
      if (Date.now() > deadline) throw new Error(`step ${step.name} did not finish in time`);
      const ctx: StepContext = {
        taskId,
        nativeId: run.nativeId,
        state,
        polls,
        stepStartedAt: startedAt,
        resumed: options.resumeAt === step.name && polls === 0,
      };
      let outcome;
      try {
        outcome = await step.run(ctx);
      } catch (error) {
        if (
          options.retryTransient &&
          error instanceof GatewayError &&
          error.retryable &&
          step.idempotent !== false
        ) {
          await sleep(50);
          continue;
        }
        throw error;
      }
      if (outcome.providerStatus) run.providerStatuses.push(outcome.providerStatus);
      if (outcome.nativeId) run.nativeId = outcome.nativeId;
      if (outcome.status === 'done') {
        if (outcome.resource) run.resource = outcome.resource;
        break;
      }
      polls++;
      await sleep(Math.min(outcome.delayMs, 100));
    }
  }
  return run;
}

/** Adapter dependencies for tests: real HTTP, unknown states collected. */
export function testDeps(unknownStates: string[] = []): AdapterDeps {
  return {
    http: (options) => new UpstreamClient(options),
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined },
    onUnknownState: (resource, state) => unknownStates.push(`${resource}:${state}`),
  };
}

/** The tuning fields of a connection, as the config validator fills them in. */
export const TEST_TUNING = {
  timeoutMs: 5_000,
  pollIntervalMs: 20,
  maxPollIntervalMs: 100,
  concurrency: 16,
  retries: 2,
  breakerFailures: 5,
  breakerHalfOpenMs: 1_000,
  listDeadlineMs: 5_000,
  deadlines: {},
};
