import { ProviderError } from '../../common/errors/gateway-error';
import type { OperationStep, StepContext, StepOutcome } from '../ports/operation-plan';
import { pollDelay } from '../ports/polling';
import { seg } from './imco-http.client';
import { type PolledReader, Unreadable } from './imco-readers';
import type { ImcoContext } from './imco.context';
import type { ImEvent } from './imco.types';

type Stateful = { id: string; state?: string | null };

/** Answer of a step that must look again later (a transitional state to sit out). */
export function later(ctx: ImcoContext, step: StepContext, providerStatus?: string | null): StepOutcome {
  return {
    status: 'wait',
    delayMs: pollDelay(step.polls, ctx.backoff),
    providerStatus: providerStatus ?? undefined,
  };
}

export interface WaitStateOptions<T extends Stateful> {
  name: string;
  reader: PolledReader<T>;
  done(value: T, step: StepContext): boolean;
  /** A failure message when the value shows the operation failed (may read more, e.g. events). */
  failed?(value: T, step: StepContext): Promise<string | null> | string | null;
  /** A missing resource: keep waiting (eventual consistency) or fail. */
  whenMissing: 'wait' | 'fail';
}

/**
 * Polls a resource through the connection's coalesced reader (one list call per tick for all tasks). An item
 * that fails its checks is an unknown state: the step keeps waiting and shows why (docs/providers/imco.md).
 */
export function waitState<T extends Stateful>(ctx: ImcoContext, options: WaitStateOptions<T>): OperationStep {
  return {
    name: options.name,
    async run(step): Promise<StepOutcome> {
      const value = await options.reader.get(step.nativeId!);
      if (value instanceof Unreadable) return later(ctx, step, value.providerStatus);
      if (!value) {
        if (options.whenMissing === 'fail')
          throw new ProviderError(`The resource disappeared from IMCO while waiting (${options.name}).`, {
            retryable: false,
          });
        return later(ctx, step, 'not-found');
      }
      const failure = await options.failed?.(value, step);
      if (failure) throw new ProviderError(failure, { retryable: false });
      if (options.done(value, step)) return { status: 'done', providerStatus: value.state ?? undefined };
      return later(ctx, step, value.state);
    },
  };
}

/**
 * Waits until a deleted resource is gone: absent from the coalesced list, then confirmed by a 404 on its own path
 * (the IMCO way of seeing a delete finish, reference §5).
 */
export function waitGone<T extends Stateful>(
  ctx: ImcoContext,
  name: string,
  reader: PolledReader<T>,
  path: string,
  failed?: (value: T) => Promise<string | null> | string | null,
): OperationStep {
  return {
    name,
    async run(step): Promise<StepOutcome> {
      const listed = await reader.get(step.nativeId!);
      if (listed && !(listed instanceof Unreadable)) {
        const failure = await failed?.(listed);
        if (failure) throw new ProviderError(failure, { retryable: false });
        return later(ctx, step, listed.state);
      }
      // Absent from the list, or unreadable there: only its own read tells whether it is gone (404).
      const confirmed = await ctx.client.get<{ state?: unknown }>(
        `${path}/${seg(step.nativeId!)}`,
        `${name}.confirm`,
      );
      if (!confirmed) return { status: 'done', providerStatus: 'deleted' };
      return later(
        ctx,
        step,
        listed?.providerStatus ??
          (typeof confirmed.state === 'string' ? confirmed.state : 'unreadable state'),
      );
    },
  };
}

/** The newest error event of a server, as "header: description", for failure messages. */
export async function lastServerError(ctx: ImcoContext, serverId: string): Promise<string | null> {
  const events = await ctx.client
    .list<ImEvent>(`/cloud/servers/${seg(serverId)}/events`, 'server_events.list')
    .catch(() => [] as ImEvent[]);
  const event = events.find((e) => e.level?.toLowerCase() === 'error');
  if (!event) return null;
  return [event.header, event.description].filter(Boolean).join(': ') || null;
}
