import type { OperationPlan, StepContext } from '../../src/providers/ports/operation-plan';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface StepRun {
  nativeId: string | null;
  state: Record<string, unknown>;
  steps: string[];
  providerStatuses: string[];
  progress: number[];
}

/**
 * Runs a plan's steps like the engine (as test/support/plan-runner.ts does) but keeps the step state,
 * records progress, can start from a given state, and calls `onFailure` when a step throws, as the engine
 * does when a task fails.
 */
export async function runSteps(
  plan: OperationPlan,
  options: {
    taskId?: string;
    nativeId?: string | null;
    state?: Record<string, unknown>;
    maxMs?: number;
  } = {},
): Promise<StepRun> {
  const run: StepRun = {
    nativeId: options.nativeId ?? null,
    state: options.state ?? {},
    steps: [],
    providerStatuses: [],
    progress: [],
  };
  const deadline = Date.now() + (options.maxMs ?? 20_000);
  const ctx = (polls: number): StepContext => ({
    taskId: options.taskId ?? 'T0000000000TASK01',
    nativeId: run.nativeId,
    state: run.state,
    polls,
    stepStartedAt: Date.now(),
    resumed: false,
  });
  try {
    for (const step of plan.steps) {
      run.steps.push(step.name);
      for (let polls = 0; ; polls++) {
        if (Date.now() > deadline) throw new Error(`step ${step.name} did not finish in time`);
        const outcome = await step.run(ctx(polls));
        if (outcome.providerStatus) run.providerStatuses.push(outcome.providerStatus);
        if (outcome.progress !== undefined) run.progress.push(outcome.progress);
        if (outcome.nativeId) run.nativeId = outcome.nativeId;
        if (outcome.status === 'done') break;
        await sleep(Math.min(outcome.delayMs, 50));
      }
    }
  } catch (error) {
    await plan.onFailure?.({ ...ctx(0), resumed: true });
    throw error;
  }
  return run;
}
