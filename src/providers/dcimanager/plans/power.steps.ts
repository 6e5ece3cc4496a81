import {
  ConflictError,
  GatewayError,
  ProviderError,
  ValidationError,
} from '../../common/errors/gateway-error';
import type { Server } from '../../domain/server.dto';
import type { OperationStep, StepContext, StepOutcome } from '../ports/operation-plan';
import { pollDelay } from '../ports/polling';
import { operationPhase, operationProgress } from './dcimanager-states';
import { OPERATION_REF_KIND, TASK_REF_KIND, type DcimanagerContext } from './dcimanager.context';
import { toServer } from './dcimanager.mapper';
import type { DciAck, DciServer } from './dcimanager.types';

// Steps shared by the server operations: hard power commands and waits on power or on a long operation.

export type PowerAction = 'power_on' | 'power_off' | 'power_reset';

export interface ServerView {
  raw: DciServer;
  server: Server;
}

const power = (raw: DciServer) => (raw.power_status ?? 'unknown').toLowerCase();
export const busy = (raw: DciServer) => operationPhase(raw.operation) === 'running';
const busyStatus = (raw: DciServer) => `operation:${raw.operation?.status ?? ''}`;

export function taskRef(ack: DciAck) {
  return ack.task === undefined ? undefined : { kind: TASK_REF_KIND, id: String(ack.task) };
}

/** An owned server as the coalesced owner list shows it, mapped; null when it is not (or no longer) ours. */
export async function readView(context: DcimanagerContext, id: string): Promise<ServerView | null> {
  const raw = await context.lookups.poll(id);
  if (!raw) return null;
  await context.lookups.prepareNetworks();
  return { raw, server: toServer(context.map, raw) };
}

export function wrongPower(
  raw: DciServer,
  action: string,
  expected: string[],
  refusal?: GatewayError,
): ConflictError {
  const detail = refusal
    ? `DCImanager refused to ${action} the server (power status ${power(raw)})` +
      (refusal.upstream?.message ? `: ${refusal.upstream.message}` : '.')
    : `Cannot ${action} a server whose power status is ${power(raw)}; DCImanager needs ${expected.join(' or ')}.`;
  return new ConflictError(detail, {
    upstream: refusal?.upstream,
    extensions: { currentState: power(raw), expectedStates: expected },
  });
}

const ALREADY: Record<PowerAction, string | null> = { power_on: 'on', power_off: 'off', power_reset: null };
const NEEDS: Record<PowerAction, string[]> = {
  power_on: ['off', 'unknown'],
  power_off: ['on'],
  power_reset: ['on', 'off', 'unknown'],
};

/**
 * One hard power command (D-PWR): read first, so that a command already satisfied is a no-op and a command in
 * the wrong power state is answered with a conflict; waits while an operation runs. With `lenient`, a server
 * that cannot be switched off (power `unknown`) is left as it is (delete).
 */
export function powerStep(context: DcimanagerContext, action: PowerAction, lenient = false): OperationStep {
  const sentKey = `${action}Sent`;
  return {
    name: action.replace('_', '-'),
    async run(ctx): Promise<StepOutcome> {
      const id = ctx.nativeId!;
      const raw = await context.lookups.requireOwned(id);
      if (busy(raw))
        return {
          status: 'wait',
          delayMs: pollDelay(ctx.polls, context.backoff),
          providerStatus: busyStatus(raw),
        };
      if (ALREADY[action] === power(raw)) return { status: 'done', providerStatus: power(raw) };
      if (!NEEDS[action].includes(power(raw))) {
        if (lenient) return { status: 'done', providerStatus: power(raw) };
        throw wrongPower(raw, action.replace('_', ' '), NEEDS[action]);
      }
      let ack: DciAck;
      try {
        ack = await context.client.mutate('POST', `/dci/v3/server/${id}/${action}`, `server.${action}`);
      } catch (error) {
        if (!(error instanceof ValidationError || error instanceof ConflictError)) throw error;
        // Refused: say why from what the server shows now.
        const now = await context.lookups.requireOwned(id);
        if (ALREADY[action] === power(now)) return { status: 'done', providerStatus: power(now) };
        if (busy(now))
          return {
            status: 'wait',
            delayMs: pollDelay(ctx.polls, context.backoff),
            providerStatus: busyStatus(now),
          };
        if (lenient) return { status: 'done', providerStatus: power(now) };
        throw wrongPower(now, action.replace('_', ' '), NEEDS[action], error);
      }
      ctx.state[sentKey] = true;
      return { status: 'done', providerStatus: 'accepted', providerRef: taskRef(ack) };
    },
  };
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
  return {
    name,
    async run(ctx): Promise<StepOutcome> {
      if (onlyIf && !ctx.state[onlyIf]) return { status: 'done' };
      const view = await readView(context, ctx.nativeId!);
      if (!view)
        throw new ProviderError(`The server left this connection while waiting (${name}).`, {
          retryable: false,
        });
      const providerStatus = busy(view.raw) ? busyStatus(view.raw) : power(view.raw);
      if (power(view.raw) === target && !busy(view.raw))
        return { status: 'done', providerStatus, resource: view.server };
      return { status: 'wait', delayMs: pollDelay(ctx.polls, context.backoff), providerStatus };
    },
  };
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
}

/**
 * Waits for a long operation by reading the server (docs/providers/dcimanager.md §7): running while `operation` runs, with
 * progress from `progress_info`; over when `operation` is cleared or finished; failed when it says so.
 */
export function waitOperation(
  context: DcimanagerContext,
  name: string,
  options: WaitOperationOptions,
): OperationStep {
  return {
    name,
    async run(ctx: StepContext): Promise<StepOutcome> {
      const view = await readView(context, ctx.nativeId!);
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
      if (phase === 'running') {
        return {
          status: 'wait',
          delayMs: pollDelay(ctx.polls, context.backoff),
          progress: operationProgress(raw.operation),
          providerStatus: busyStatus(raw),
          providerRef,
        };
      }
      const satisfied = options.satisfied?.(raw) ?? true;
      if (phase === 'failed' && !(satisfied && providerRef && raw.operation?.id !== Number(ours))) {
        throw new ProviderError(`The ${options.label} failed${failureText(raw)}`, { retryable: false });
      }
      if (!satisfied) {
        // The operation may not show yet right after the call; a few reads settle it.
        if (ctx.polls < 3)
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
  };
}
