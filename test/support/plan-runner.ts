import { GatewayError } from '../../src/common/errors/gateway-error';
import type { AnyResource } from '../../src/domain/resource';
import { MemoryClaims } from '../../src/providers/kit/memory-claims';
import { MemorySharedPolls } from '../../src/providers/kit/memory-shared-polls';
import type { OperationPlan, StepContext } from '../../src/providers/ports/operation-plan';
import type { OperationInputs, OperationName } from '../../src/providers/ports/operations';
import type { AdapterDeps, ProviderAdapter } from '../../src/providers/ports/provider-adapter';
import { UpstreamClient } from '../../src/providers/kit/http/upstream-client';
import type { ConnectionConfig } from '../../src/config/gateway-config';
import { Connection } from '../../src/providers/registry/connection';

export interface PlanRun {
  nativeId: string | null;
  steps: string[];
  providerStatuses: string[];
  /** Every progress figure the steps reported, in order. */
  progress: number[];
  /** The plan's step state as the last step left it. */
  state: Record<string, unknown>;
  resource?: AnyResource;
}

export interface RunOptions {
  /** Give up after this long (the engine's deadline, in a test). */
  maxMs?: number;
  /** Retry retryable errors, as the engine does (idempotent steps only). */
  retryTransient?: boolean;
  /**
   * Starts at the step with this name as if its worker had died mid-call (`resumed: true`), as the engine resumes:
   * the steps before it completed before the crash and are not run again (give their `state`).
   */
  resumeAt?: string;
  /** The task id the plan sees (adapters derive markers from it); a fresh engine-shaped one when absent. */
  taskId?: string;
  /** Step state to start from, as a resumed task has it. */
  state?: Record<string, unknown>;
  /** The resource id to start from, when it differs from the plan's target. */
  nativeId?: string | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A task id shaped like the engine's (ULID length), unique per run. */
const newTaskId = () =>
  `01J${Date.now().toString(36).toUpperCase().padStart(13, '0')}${Math.random().toString(36).slice(2, 12).toUpperCase().padEnd(10, '0')}`;

/**
 * Drives an adapter's plan the way the task engine does, in process: each step until done, waiting between
 * polls. Contract suites use it to check an adapter against its simulator without Redis or queues.
 */
export async function runPlan<O extends OperationName>(
  adapter: ProviderAdapter | Connection,
  operation: O,
  target: string | null,
  input: OperationInputs[O],
  options: RunOptions = {},
): Promise<PlanRun> {
  const connection = adapter instanceof Connection ? adapter : normalized(adapter);
  if (!connection.can(operation)) throw new Error(`${adapter.name} cannot ${operation}`);
  const taskId = options.taskId ?? newTaskId();
  return runOperationPlan(connection.plan({ operation, target, input, taskId }), {
    ...options,
    taskId,
    nativeId: options.nativeId === undefined ? target : options.nativeId,
  });
}

/**
 * The engine's loop over one plan: steps in order, polls until done, and the plan's `onFailure` when a step
 * throws (as when a task fails), before the error reaches the test.
 */
export async function runOperationPlan(
  plan: OperationPlan<AnyResource> | OperationPlan,
  options: RunOptions = {},
): Promise<PlanRun> {
  const taskId = options.taskId ?? newTaskId();
  const run: PlanRun = {
    nativeId: options.nativeId ?? null,
    steps: [],
    providerStatuses: [],
    progress: [],
    state: options.state ?? {},
  };
  const deadline = Date.now() + (options.maxMs ?? 30_000);
  const ctx = (polls: number, startedAt: number, resumed: boolean): StepContext => ({
    taskId,
    nativeId: run.nativeId,
    state: run.state,
    polls,
    stepStartedAt: startedAt,
    resumed,
  });
  try {
    const from = options.resumeAt ? plan.steps.findIndex((step) => step.name === options.resumeAt) : 0;
    if (from < 0) throw new Error(`the plan has no step ${options.resumeAt}`);
    for (const step of plan.steps.slice(from)) {
      run.steps.push(step.name);
      let polls = 0;
      const startedAt = Date.now();
      for (;;) {
        if (Date.now() > deadline) throw new Error(`step ${step.name} did not finish in time`);
        let outcome;
        try {
          outcome = await step.run(ctx(polls, startedAt, options.resumeAt === step.name && polls === 0));
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
        if (outcome.progress !== undefined) run.progress.push(outcome.progress);
        if (outcome.nativeId) run.nativeId = outcome.nativeId;
        if (outcome.status === 'done') {
          // Normalized when the plan came through a Connection (runPlan); native from a bare planner.
          if (outcome.resource) run.resource = outcome.resource as AnyResource;
          break;
        }
        polls++;
        await sleep(Math.min(outcome.delayMs, 100));
      }
    }
  } catch (error) {
    await plan.onFailure?.(ctx(0, Date.now(), true));
    throw error;
  }
  return run;
}

/**
 * The adapter as the core sees it (gateway ids, stamped fields): reads and plans normalized, as through the
 * registry. Contract suites read through it to check what clients get.
 */
export function normalized(adapter: ProviderAdapter, settings: Partial<ConnectionConfig> = {}): Connection {
  return new Connection(adapter, {
    name: adapter.name,
    kind: adapter.kind,
    ...TEST_TUNING,
    ...settings,
  });
}

/** Adapter dependencies for tests: real HTTP, unknown states collected. */
export function testDeps(unknownStates: string[] = []): AdapterDeps {
  return {
    http: (options) => new UpstreamClient(options),
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined },
    onUnknownState: (resource, state) => unknownStates.push(`${resource}:${state}`),
    claims: new MemoryClaims(),
    polls: new MemorySharedPolls(),
  };
}

/** The tuning fields of a connection, as the config validator fills them in. */
export const TEST_TUNING = {
  timeoutMs: 5_000,
  pollIntervalMs: 20,
  maxPollIntervalMs: 100,
  concurrency: 16,
  requestsPerSecond: 200,
  retries: 2,
  breakerFailures: 5,
  breakerHalfOpenMs: 1_000,
  listDeadlineMs: 5_000,
  maxListItems: 10_000,
  maxResponseBytes: 16_777_216,
  deadlines: {},
  maxDeadlines: {},
};
