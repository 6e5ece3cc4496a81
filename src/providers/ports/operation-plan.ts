import { ResourceType } from '../../domain/states';
import type { AnyResource } from '../../domain/resource';
import type { NativeResource } from './native';

/** Reference to the backend's own handle of an operation (task id, operation id). */
export interface ProviderRef {
  kind: string;
  id: string;
}

/**
 * What one run of a step reports back to the engine. Adapters report native resources (`R`); the core sees them
 * normalized (`AnyResource`).
 */
export type StepOutcome<R extends NativeResource | AnyResource = NativeResource> =
  | {
      status: 'done';
      /** Native id of the resource, once known (creates learn it here). */
      nativeId?: string;
      /** The fresh resource, when the step read it anyway; saves the engine a read. */
      resource?: R;
      progress?: number;
      providerStatus?: string;
      providerRef?: ProviderRef;
    }
  | {
      status: 'wait';
      /** When to run this step again. The engine reschedules the job; nobody sleeps. */
      delayMs: number;
      nativeId?: string;
      progress?: number;
      providerStatus?: string;
      providerRef?: ProviderRef;
    };

/** Everything a step may use. `state` is persisted between runs and across processes. */
export interface StepContext {
  readonly taskId: string;
  /** Native id of the resource acted on, once known. */
  readonly nativeId: string | null;
  /** Persisted bag shared by the steps of one task: store backend handles here, never secrets. */
  readonly state: Record<string, unknown>;
  /** How many times this step already answered `wait`. */
  readonly polls: number;
  /** When this step first ran (epoch ms). */
  readonly stepStartedAt: number;
  /** True when this step was running when its worker died, or its last call may or may not have landed. */
  readonly resumed: boolean;
}

export interface OperationStep<R extends NativeResource | AnyResource = NativeResource> {
  /**
   * Shown to clients in `steps[]`, e.g. `clone-drive`, `wait-imaging`, `create`, `start`. A name starting with
   * `wait-` promises the step only observes the backend; any other step may change it. The engine relies on this
   * to refuse a cancel once nothing but waits is left (docs/design.md#cancel).
   */
  name: string;
  /**
   * False for steps whose backend call must not be repeated blindly (creates). After a crash or an
   * ambiguous failure such a step is run with `resumed: true` and must look before it acts again.
   */
  idempotent?: boolean;
  /** Steps skipped for this request (e.g. `start` when `powerOn: false`) are left out of the plan instead. */
  run(ctx: StepContext): Promise<StepOutcome<R>>;
}

/** Whether a step may change the backend: every step but the `wait-…` ones, which only observe. */
export function mayChangeBackend(step: Pick<OperationStep<never>, 'name'>): boolean {
  return !step.name.startsWith('wait-');
}

/** Index of a plan's last step that may change the backend (-1 when it only waits). */
export function lastChangingStep(steps: ReadonlyArray<Pick<OperationStep<never>, 'name'>>): number {
  for (let i = steps.length - 1; i >= 0; i--) if (mayChangeBackend(steps[i])) return i;
  return -1;
}

/** The adapter's recipe for one operation; rebuilt from the task record whenever a worker runs it. */
export interface OperationPlan<R extends NativeResource | AnyResource = NativeResource> {
  resourceType: ResourceType;
  steps: OperationStep<R>[];
  /** Deadline of the whole operation, unless the connection config overrides it. */
  deadlineSeconds?: number;
  /**
   * Decides the outcome from the backend's resource when the deadline passed or the backend forgot its
   * task: true when the operation visibly took effect. Without it a passed deadline fails the task.
   */
  reconcile?(ctx: StepContext): Promise<boolean>;
  /**
   * For an operation whose effect the backend's state cannot show (a rebooted server runs as it did before):
   * the name of the step whose backend call performs it. Until that step has completed, its call answered, a
   * passed deadline fails the task with `timeout` and `reconcile` is not asked: a state that was already there
   * before must not pass for the operation's effect.
   */
  effectStep?: string;
  /** Best-effort cleanup after a failure (e.g. delete a drive cloned for a server that was never created). */
  onFailure?(ctx: StepContext): Promise<void>;
}
