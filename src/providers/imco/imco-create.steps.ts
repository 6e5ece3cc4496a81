import type { ResourceType } from '../../domain/states';
import type { OperationPlan, OperationStep } from '../ports/operation-plan';
import {
  type Attachable,
  type AttachmentKind,
  attachSteps,
  failedCreate,
  missingId,
} from './imco-attachment.steps';
import { adoptCreated, markStep, withMarker } from './imco-markers';
import { stateIs } from './imco-states';
import { waitState } from './imco-wait.steps';
import type { ImcoContext } from './imco.context';
import { ImcoMarkable } from './imco.wire';
import { ofType } from '../ports/wire';

export interface MarkedCreate<T extends Attachable> {
  kind: AttachmentKind<T>;
  resourceType: ResourceType;
  taskId: string;
  name: string;
  labelIds?: string[];
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
  read(id: string): Promise<T | null>;
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
  const plural = `${kind.noun}s`;
  // What the marker and the adoption read of each item (its id, name and labels) is checked; others are skipped.
  const list = async () =>
    ofType(await ctx.client.list<unknown>(kind.path, `${kind.operation}.list`), ImcoMarkable);
  const create: OperationStep = {
    name: spec.createStep,
    idempotent: false,
    run: async (step) => {
      if (step.resumed) {
        const adopted = await adoptCreated(step, plural, list, name);
        if (adopted) return { status: 'done', nativeId: adopted, providerStatus: 'adopted' };
      }
      const body = { ...(step.state.body as object), label_ids: withMarker(step, spec.labelIds) };
      const created = await ctx.client.send<T>('POST', kind.path, `${kind.operation}.create`, body);
      const id = created?.id ?? (await adoptCreated(step, plural, list, name));
      if (!id) throw missingId(kind.noun);
      return { status: 'done', nativeId: id, providerStatus: created?.state ?? 'commissioning' };
    },
  };
  const steps: OperationStep[] = [
    spec.prepare,
    markStep(ctx, spec.taskId, list, () => name),
    create,
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
      const id = step.nativeId ?? (await adoptCreated(step, plural, list, name));
      const item = id ? await spec.read(id) : null;
      return (
        !!item &&
        !stateIs(item, 'commissioning', 'error') &&
        (!serverId || item.attached_server_id === serverId)
      );
    },
  };
}
