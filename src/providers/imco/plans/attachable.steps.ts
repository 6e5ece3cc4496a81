import { ConflictError, NotFoundError, ProviderError } from '../../common/errors/gateway-error';
import type { OperationStep, StepContext } from '../ports/operation-plan';
import { seg } from './imco-http.client';
import type { PolledReader } from './imco-readers';
import { stateIs } from './imco-states';
import { later, waitState } from './imco-wait.steps';
import type { ImcoContext } from './imco.context';
import type { WireType } from '../ports/wire';

/** What volumes and floating IPs share: attach with POST, detach with DELETE on `/attached_server`. */
export interface Attachable {
  id: string;
  state?: string | null;
  attached_server_id?: string | null;
}

export interface AttachmentKind<T extends Attachable> {
  /** `volume`, `floating IP`. */
  noun: string;
  path: string;
  operation: string;
  reader: PolledReader<T>;
  /** What the items read one by one must be (a malformed one fails the step with provider_error). */
  type: WireType<T>;
}

const SEEN_ATTACHING = 'sawAttaching';

async function requireItem<T extends Attachable>(
  ctx: ImcoContext,
  kind: AttachmentKind<T>,
  id: string,
): Promise<T> {
  const item = await ctx.client.get<T>(`${kind.path}/${seg(id)}`, `${kind.operation}.get`, kind.type);
  if (!item) throw new NotFoundError(`IMCO has no ${kind.noun} '${id}'.`);
  return item;
}

export function attachSteps<T extends Attachable>(
  ctx: ImcoContext,
  kind: AttachmentKind<T>,
  serverId: (step: StepContext) => string,
): OperationStep[] {
  return [
    {
      name: 'attach',
      async run(step) {
        const item = await requireItem(ctx, kind, step.nativeId!);
        const target = serverId(step);
        if (item.attached_server_id === target)
          return { status: 'done', providerStatus: item.state ?? undefined };
        if (item.attached_server_id)
          throw new ConflictError(`The ${kind.noun} is attached to another server; detach it first.`, {
            extensions: { currentState: item.state ?? null, expectedStates: ['detached'] },
          });
        if (stateIs(item, 'commissioning', 'detaching')) return later(ctx, step, item.state);
        await ctx.client.send(
          'POST',
          `${kind.path}/${seg(item.id)}/attached_server`,
          `${kind.operation}.attach`,
          { attached_server_id: target },
        );
        return { status: 'done', providerStatus: 'attaching' };
      },
    },
    waitState<T>(ctx, {
      name: 'wait-attached',
      reader: kind.reader,
      done: (item, step) =>
        item.attached_server_id === serverId(step) &&
        !stateIs(item, 'attaching', 'commissioning', 'detaching'),
      // A failed attach falls back to detached (after having shown attaching or the server).
      failed: (item, step) => {
        if (item.attached_server_id || stateIs(item, 'attaching')) step.state[SEEN_ATTACHING] = true;
        else if (step.state[SEEN_ATTACHING] && stateIs(item, 'detached', 'available'))
          return `IMCO did not attach the ${kind.noun}; it is ${item.state ?? 'detached'} again.`;
        return stateIs(item, 'error') ? `The ${kind.noun} went to error while attaching.` : null;
      },
      whenMissing: 'fail',
    }),
  ];
}

export function detachSteps<T extends Attachable>(
  ctx: ImcoContext,
  kind: AttachmentKind<T>,
): OperationStep[] {
  return [
    {
      name: 'detach',
      async run(step) {
        const item = await requireItem(ctx, kind, step.nativeId!);
        if (!item.attached_server_id || stateIs(item, 'detaching'))
          return { status: 'done', providerStatus: item.state ?? undefined };
        if (stateIs(item, 'attaching')) return later(ctx, step, item.state);
        await ctx.client.send(
          'DELETE',
          `${kind.path}/${seg(item.id)}/attached_server`,
          `${kind.operation}.detach`,
        );
        return { status: 'done', providerStatus: 'detaching' };
      },
    },
    waitState<T>(ctx, {
      name: 'wait-detached',
      reader: kind.reader,
      done: (item) => !item.attached_server_id && !stateIs(item, 'detaching'),
      failed: (item) => (stateIs(item, 'error') ? `The ${kind.noun} went to error while detaching.` : null),
      whenMissing: 'fail',
    }),
  ];
}

/**
 * The first step of a delete (or a discard, which only forgets the resource in IMCO): refused while attached,
 * waits out transitional states, done at once when the resource is already gone.
 */
export function removeStep<T extends Attachable>(
  ctx: ImcoContext,
  kind: AttachmentKind<T>,
  verb: string,
): OperationStep {
  return {
    name: ctx.discardOnDelete ? 'discard' : verb,
    async run(step) {
      const item = await ctx.client.get<T>(
        `${kind.path}/${seg(step.nativeId!)}`,
        `${kind.operation}.get`,
        kind.type,
      );
      if (!item || stateIs(item, 'decommissioning'))
        return { status: 'done', providerStatus: item?.state ?? 'deleted' };
      if (item.attached_server_id)
        throw new ConflictError(`The ${kind.noun} is attached to a server; detach it first.`, {
          extensions: { currentState: item.state ?? null, expectedStates: ['detached'] },
        });
      if (stateIs(item, 'commissioning', 'attaching', 'detaching')) return later(ctx, step, item.state);
      const path = `${kind.path}/${seg(item.id)}${ctx.discardOnDelete ? '/discard' : ''}`;
      try {
        await ctx.client.send(
          'DELETE',
          path,
          `${kind.operation}.${ctx.discardOnDelete ? 'discard' : 'delete'}`,
        );
      } catch (error) {
        if (error instanceof NotFoundError) return { status: 'done', providerStatus: 'deleted' };
        throw error;
      }
      return { status: 'done', providerStatus: ctx.discardOnDelete ? 'discarded' : 'decommissioning' };
    },
  };
}

export function failedCreate(noun: string): (item: Attachable) => string | null {
  return (item) =>
    stateIs(item, 'error', 'failed') ? `IMCO could not create the ${noun} (state ${item.state}).` : null;
}

export function missingId(noun: string): ProviderError {
  return new ProviderError(`IMCO accepted the ${noun} but did not say which one it is.`, {
    retryable: false,
  });
}
