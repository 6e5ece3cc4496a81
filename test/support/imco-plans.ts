import type { StepContext, StepOutcome } from '../../src/providers/ports/operation-plan';
import type { OperationInputs, OperationName } from '../../src/providers/ports/operations';
import type { ProviderAdapter } from '../../src/providers/ports/provider-adapter';

/**
 * A plan driven step by step by a test (several tasks in lockstep, or a step resumed after a "crash"). Built from
 * the adapter's own planner: its steps report native records.
 */
export interface SteppedPlan {
  names: string[];
  state: Record<string, unknown>;
  nativeId: string | null;
  index: number;
  /** Runs the current step once with the given flags; moves on when it answers done. */
  runOnce(options?: { resumed?: boolean }): Promise<StepOutcome>;
  /** Runs steps (waiting `pauseMs` between polls) until the named step is current. */
  runUntil(step: string, pauseMs?: number): Promise<void>;
  current(): string | undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function steppedPlan<O extends OperationName>(
  adapter: ProviderAdapter,
  operation: O,
  target: string | null,
  input: OperationInputs[O],
  taskId: string,
): SteppedPlan {
  const planner = adapter.plans[operation];
  if (!planner) throw new Error(`${adapter.name} cannot ${operation}`);
  const plan = planner({ operation, target, input, taskId });
  let polls = 0;
  // When the current step first ran, as the engine keeps it (wait steps judge only lists begun after it).
  let startedAt: number | null = null;
  const stepped: SteppedPlan = {
    names: plan.steps.map((s) => s.name),
    state: {},
    nativeId: target,
    index: 0,
    current: () => plan.steps[stepped.index]?.name,
    async runOnce(options = {}) {
      const ctx: StepContext = {
        taskId,
        nativeId: stepped.nativeId,
        state: stepped.state,
        polls,
        stepStartedAt: (startedAt ??= Date.now()),
        resumed: options.resumed ?? false,
      };
      const outcome = await plan.steps[stepped.index].run(ctx);
      if (outcome.nativeId) stepped.nativeId = outcome.nativeId;
      if (outcome.status === 'done') {
        stepped.index++;
        polls = 0;
        startedAt = null;
      } else polls++;
      return outcome;
    },
    async runUntil(step, pauseMs = 20) {
      for (let guard = 0; stepped.current() !== step; guard++) {
        if (guard > 2000 || stepped.current() === undefined) throw new Error(`never reached step ${step}`);
        const outcome = await stepped.runOnce();
        if (outcome.status === 'wait') await sleep(pauseMs);
      }
    },
  };
  return stepped;
}
