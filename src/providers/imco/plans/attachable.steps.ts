import { ConflictError, NotFoundError } from '../../../common/errors/gateway-error';
import type { Labels } from '../../../domain/labels';
import type { ResourceType } from '../../../domain/states';
import type { WireType } from '../../kit/wire';
import type { OperationPlan, OperationStep, StepContext } from '../../ports/operation-plan';
import { seg } from '../client/http.client';
import { stateIs } from '../model/states';
import type { ImcoContext } from './context';
import { adoptCreated, createOnceStep, markables, markStep } from './marker.steps';
import { failedCreate, later, type PolledReader, waitState } from './wait.steps';

// What volumes and floating IPs share: a crash-safe create, attach with POST and detach with DELETE on
// `/attached_server`, delete or discard (docs/providers/imco.md#volumes-and-storage-plans).

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

/** The item, or null when IMCO answers 404; a malformed one is a 502. */
export function readItem<T extends Attachable>(
  ctx: ImcoContext,
  kind: AttachmentKind<T>,
  id: string,
): Promise<T | null> {
  return ctx.client.get<T>(`${kind.path}/${seg(id)}`, `${kind.operation}.get`, kind.type);
}

async function requireItem<T extends Attachable>(
  ctx: ImcoContext,
  kind: AttachmentKind<T>,
  id: string,
): Promise<T> {
  const item = await readItem(ctx, kind, id);
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

/** Attach to a server: done when IMCO shows the item on that server. */
export function attachPlan<T extends Attachable>(
  ctx: ImcoContext,
  kind: AttachmentKind<T>,
  resourceType: ResourceType,
  serverId: string,
  deadlineSeconds: number,
): OperationPlan {
  return {
    resourceType,
    steps: attachSteps(ctx, kind, () => serverId),
    deadlineSeconds,
    reconcile: async (step) => (await readItem(ctx, kind, step.nativeId!))?.attached_server_id === serverId,
  };
}

/** Detach from whatever server holds the item. */
export function detachPlan<T extends Attachable>(
  ctx: ImcoContext,
  kind: AttachmentKind<T>,
  resourceType: ResourceType,
  deadlineSeconds: number,
): OperationPlan {
  return {
    resourceType,
    steps: detachSteps(ctx, kind),
    deadlineSeconds,
    reconcile: async (step) => !(await readItem(ctx, kind, step.nativeId!))?.attached_server_id,
  };
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
      const item = await readItem(ctx, kind, step.nativeId!);
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

export interface MarkedCreate<T extends Attachable> {
  kind: AttachmentKind<T>;
  resourceType: ResourceType;
  taskId: string;
  name: string;
  labelIds?: string[];
  /** The caller's gateway labels, put on as IMCO labels (docs/providers/imco.md#labels). */
  labels: Labels;
  /** Attach to this server once made. */
  serverId?: string | null;
  /** Works out the create body into `step.state.body` (account, realm, plan). */
  prepare: OperationStep;
  /** `create-volume`, `allocate`. */
  createStep: string;
  /** `wait-created`, `wait-allocated`. */
  waitStep: string;
  /** States that mean "still being made". */
  busyStates: string[];
  deadlineSeconds: number;
}

/**
 * What an IMCO volume or floating IP create does: mark (label), POST once (adopting the marked one after a
 * crash, or when the answer had no id), wait until made, attach if asked. Reconciled from what IMCO shows.
 */
export function markedCreatePlan<T extends Attachable>(
  ctx: ImcoContext,
  spec: MarkedCreate<T>,
): OperationPlan {
  const { kind, name } = spec;
  const list = markables(ctx, kind.path, `${kind.operation}.list`);
  const steps: OperationStep[] = [
    spec.prepare,
    markStep(ctx, spec.taskId, list, () => name, spec.labels),
    createOnceStep(ctx, {
      name: spec.createStep,
      noun: kind.noun,
      path: kind.path,
      operation: `${kind.operation}.create`,
      resourceName: name,
      labelIds: spec.labelIds,
      body: (step) => step.state.body as object,
      list,
    }),
    waitState<T>(ctx, {
      name: spec.waitStep,
      reader: kind.reader,
      done: (item) => !stateIs(item, ...spec.busyStates),
      failed: failedCreate(kind.noun),
      whenMissing: 'wait',
    }),
  ];
  const serverId = spec.serverId;
  if (serverId) steps.push(...attachSteps(ctx, kind, () => serverId));
  return {
    resourceType: spec.resourceType,
    steps,
    deadlineSeconds: spec.deadlineSeconds,
    reconcile: async (step) => {
      const id = step.nativeId ?? (await adoptCreated(step, `${kind.noun}s`, list, name));
      const item = id ? await readItem(ctx, kind, id) : null;
      return (
        !!item &&
        !stateIs(item, 'commissioning', 'error') &&
        (!serverId || item.attached_server_id === serverId)
      );
    },
  };
}
