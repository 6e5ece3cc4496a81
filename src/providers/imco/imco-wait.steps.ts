import { ProviderError } from '../../common/errors/gateway-error';
import type { CoalescedReader } from '../ports/coalesced-reader';
import type { OperationStep, StepContext, StepOutcome } from '../ports/operation-plan';
import { pollDelay } from '../ports/polling';
import { seg } from './imco-http.client';
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
  reader: CoalescedReader<T>;
  done(value: T, step: StepContext): boolean;
  /** A failure message when the value shows the operation failed (may read more, e.g. events). */
  failed?(value: T, step: StepContext): Promise<string | null> | string | null;
  /** A missing resource: keep waiting (eventual consistency) or fail. */
  whenMissing: 'wait' | 'fail';
}

/** Polls a resource through the connection's coalesced reader (one list call per tick for all tasks). */
export function waitState<T extends Stateful>(ctx: ImcoContext, options: WaitStateOptions<T>): OperationStep {
  return {
    name: options.name,
    async run(step): Promise<StepOutcome> {
      const value = await options.reader.get(step.nativeId!);
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
  reader: CoalescedReader<T>,
  path: string,
  failed?: (value: T) => Promise<string | null> | string | null,
): OperationStep {
  return {
    name,
    async run(step): Promise<StepOutcome> {
      const listed = await reader.get(step.nativeId!);
      if (listed) {
        const failure = await failed?.(listed);
        if (failure) throw new ProviderError(failure, { retryable: false });
        return later(ctx, step, listed.state);
      }
      const confirmed = await ctx.client.get<T>(`${path}/${seg(step.nativeId!)}`, `${name}.confirm`);
      return confirmed ? later(ctx, step, confirmed.state) : { status: 'done', providerStatus: 'deleted' };
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
