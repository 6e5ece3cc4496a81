import { ProviderError } from '../../../common/errors/gateway-error';
import { untilListed } from '../../kit/coalesced-reader';
import { pollDelay } from '../../kit/polling';
import type { NativeServer } from '../../ports/native';
import type { OperationStep, ProviderRef, StepContext, StepOutcome } from '../../ports/operation-plan';
import type { DciAck, DciServer } from '../client/wire';
import { toServer } from '../model/mapper';
import { busyStatus, isBusy, operationPhase, operationProgress, powerStatusOf } from '../model/states';
import type { DcimanagerContext } from './context';

// Waiting on DCImanager. It has no task endpoint the adapter can rely on, so every wait reads the server
// (docs/providers/dcimanager.md#long-operations): power until `power_status` is the target, long operations until
// `operation` is over. The handles DCImanager answered are shown as the task's provider reference.

export const OPERATION_REF_KIND = 'dcimanager-operation';
export const TASK_REF_KIND = 'dcimanager-task';

/** The `task` of an action's answer, as a provider reference. */
export function taskRef(ack: DciAck): ProviderRef | undefined {
  return ack.task === undefined ? undefined : { kind: TASK_REF_KIND, id: String(ack.task) };
}

/** The answer of an action that starts a long operation: `id` names the operation, else the task. */
export function operationRef(ack: DciAck): ProviderRef | undefined {
  return ack.id === undefined ? taskRef(ack) : { kind: OPERATION_REF_KIND, id: String(ack.id) };
}

export interface ServerView {
  raw: DciServer;
  server: NativeServer;
}

/**
 * An owned server as the shared owner list shows it, mapped; null when it is not (or no longer) ours. Only a list
 * begun after `since` (the step's start) answers; a step reading it is wrapped in `untilListed`.
 */
export async function readView(
  context: DcimanagerContext,
  id: string,
  since: number,
): Promise<ServerView | null> {
  const raw = await context.reads.poll(id, since);
  if (!raw) return null;
  await context.reads.prepareNetworks();
  return { raw, server: toServer(context.map, raw) };
}

/**
 * Waits until the power status is `target` and no operation runs, handing the fresh server to the engine;
 * `onlyIf` skips it when the command step sent nothing.
 */
export function waitPower(
  context: DcimanagerContext,
  name: string,
  target: 'on' | 'off',
  onlyIf?: string,
): OperationStep {
  return untilListed({
    name,
    async run(ctx): Promise<StepOutcome> {
      if (onlyIf && !ctx.state[onlyIf]) return { status: 'done' };
      const view = await readView(context, ctx.nativeId!, ctx.stepStartedAt);
      if (!view)
        throw new ProviderError(`The server left this connection while waiting (${name}).`, {
          retryable: false,
        });
      const providerStatus = isBusy(view.raw) ? busyStatus(view.raw) : powerStatusOf(view.raw);
      if (powerStatusOf(view.raw) === target && !isBusy(view.raw))
        return { status: 'done', providerStatus, resource: view.server };
      return { status: 'wait', delayMs: pollDelay(ctx.polls, context.backoff), providerStatus };
    },
  });
}

function failureText(raw: DciServer): string {
  const info = raw.operation?.status_info;
  const text =
    info && typeof info === 'object'
      ? ((info as Record<string, unknown>).msg ?? (info as Record<string, unknown>).message)
      : info;
  return typeof text === 'string' && text ? `: ${text.slice(0, 300)}` : '';
}

export interface WaitOperationOptions {
  /** `ctx.state` key holding the id DCImanager answered for the operation. */
  stateKey: string;
  label: string;
  /** The effect the operation must have had once it is over (e.g. the OS template installed). */
  satisfied?(raw: DciServer): boolean;
  /**
   * For an effect the server may show before the operation ran (a rebuild from the image already installed):
   * the operation must be seen running before its end counts, unless a few reads never show it.
   */
  mustSeeRunning?: boolean;
}

/** Reads after which an operation never seen running counts as one that ran between two reads. */
const UNSEEN_READS = 3;

/**
 * Counts this read of a list begun after the step started, and answers how many the step made: the polls that met
 * an older list (`untilListed`) read nothing, so `ctx.polls` would overcount them.
 */
export function countRead(ctx: StepContext, key: string): number {
  const reads = ((ctx.state[key] as number | undefined) ?? 0) + 1;
  ctx.state[key] = reads;
  return reads;
}

/**
 * Waits for a long operation by reading the server (docs/providers/dcimanager.md#long-operations): running while
 * `operation` runs, with progress from `progress_info`; over when `operation` is cleared or finished; failed when
 * it says so.
 */
export function waitOperation(
  context: DcimanagerContext,
  name: string,
  options: WaitOperationOptions,
): OperationStep {
  return untilListed({
    name,
    async run(ctx: StepContext): Promise<StepOutcome> {
      const view = await readView(context, ctx.nativeId!, ctx.stepStartedAt);
      if (!view)
        throw new ProviderError(`The server left this connection during the ${options.label}.`, {
          retryable: false,
        });
      const { raw } = view;
      const phase = operationPhase(raw.operation, (status) =>
        context.map.onUnknownState('server-operation', status),
      );
      const ours = ctx.state[options.stateKey] as number | string | null | undefined;
      const providerRef =
        ours === undefined || ours === null ? undefined : { kind: OPERATION_REF_KIND, id: String(ours) };
      const seenKey = `${options.stateKey}Seen`;
      const reads = countRead(ctx, `${options.stateKey}Reads`);
      if (phase === 'running') {
        if (options.mustSeeRunning) ctx.state[seenKey] = true;
        return {
          status: 'wait',
          delayMs: pollDelay(ctx.polls, context.backoff),
          progress: operationProgress(raw.operation),
          providerStatus: busyStatus(raw),
          providerRef,
        };
      }
      // An operation left on the server as finished, with the id DCImanager answered, was ours.
      const finishedOurs = providerRef !== undefined && raw.operation?.id === Number(ours);
      if (options.mustSeeRunning && !ctx.state[seenKey] && !finishedOurs && reads <= UNSEEN_READS)
        return { status: 'wait', delayMs: pollDelay(ctx.polls, context.backoff), providerRef };
      const satisfied = options.satisfied?.(raw) ?? true;
      if (phase === 'failed' && !(satisfied && providerRef && raw.operation?.id !== Number(ours))) {
        throw new ProviderError(`The ${options.label} failed${failureText(raw)}`, { retryable: false });
      }
      if (!satisfied) {
        // The operation may not show yet right after the call; a few reads settle it.
        if (reads <= UNSEEN_READS)
          return { status: 'wait', delayMs: pollDelay(ctx.polls, context.backoff), providerRef };
        throw new ProviderError(`The ${options.label} ended without taking effect.`, { retryable: false });
      }
      return {
        status: 'done',
        resource: view.server,
        providerStatus: raw.operation?.status ?? 'finished',
        providerRef,
      };
    },
  });
}
