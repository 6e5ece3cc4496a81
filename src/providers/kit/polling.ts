import type { AnyResource } from '../../domain/resource';
import { ProviderError } from '../../common/errors/gateway-error';
import type { OperationStep, ProviderRef, StepContext, StepOutcome } from '../ports/operation-plan';

export interface Backoff {
  initialMs: number;
  maxMs: number;
  /** Growth per poll; 1.5 doubles roughly every two polls. */
  factor?: number;
}

/**
 * Delay before poll number `polls + 1`: exponential from `initialMs` to `maxMs`, with ±20 % jitter so that
 * many tasks started together do not poll in lockstep.
 */
export function pollDelay(polls: number, backoff: Backoff, random: () => number = Math.random): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * Math.pow(backoff.factor ?? 1.5, polls));
  const jittered = base * (0.8 + 0.4 * random());
  return Math.max(1, Math.round(Math.min(jittered, backoff.maxMs)));
}

export interface Observation {
  providerStatus?: string;
  progress?: number;
  providerRef?: ProviderRef;
}

export interface WaitForOptions<T> {
  name: string;
  /** Reads the thing being watched; null means the backend says it does not exist. */
  read(ctx: StepContext): Promise<T | null>;
  /** True once the target state is reached. */
  done(value: T): boolean;
  /** A failure message when the value shows the operation failed; null otherwise. */
  failed?(value: T): string | null;
  /** What a missing resource means: the goal (deletes), a failure, or keep waiting (eventual consistency). */
  whenMissing: 'done' | 'fail' | 'wait';
  backoff: Backoff;
  describe?(value: T): Observation;
  /** The fresh resource to hand to the engine when done, if `T` is (or contains) it. */
  resource?(value: T): AnyResource | undefined;
  nativeId?(value: T): string | undefined;
}

/**
 * A step that watches a resource until a target state, in the spirit of Terraform's StateChangeConf: target
 * and failure predicates, a not-found rule and backoff. Each run reads once and answers done or wait.
 */
export function waitFor<T>(options: WaitForOptions<T>): OperationStep {
  return {
    name: options.name,
    async run(ctx): Promise<StepOutcome> {
      const value = await options.read(ctx);
      const delayMs = pollDelay(ctx.polls, options.backoff);
      if (value === null) {
        if (options.whenMissing === 'done') return { status: 'done' };
        if (options.whenMissing === 'wait') return { status: 'wait', delayMs, providerStatus: 'not-found' };
        throw new ProviderError(`The resource disappeared while waiting (${options.name}).`, {
          retryable: false,
        });
      }
      const observed = options.describe?.(value) ?? {};
      const failure = options.failed?.(value);
      if (failure) throw new ProviderError(failure, { retryable: false });
      if (options.done(value)) {
        return {
          status: 'done',
          ...observed,
          resource: options.resource?.(value),
          nativeId: options.nativeId?.(value),
        };
      }
      return { status: 'wait', delayMs, ...observed };
    },
  };
}
