import {
  NeedsAttentionError,
  NotFoundError,
  ProviderError,
  ValidationError,
} from '../../../common/errors/gateway-error';
import { ofType } from '../../kit/wire';
import type { Labels } from '../../../domain/labels';
import { taskMarker } from '../../ports/markers';
import type { OperationStep, StepContext } from '../../ports/operation-plan';
import { ImcoMarkable } from '../client/wire';
import type { ImLabel } from '../client/wire.types';
import type { ImcoContext } from './context';
import { labelIdsFor } from './labels';

/**
 * Crash-safe creates with IMCO labels (docs/providers/imco.md#labels-and-crash-safe-creates): before a create,
 * the task finds or makes a label named after its marker (`gw` + the end of the task id) and sends it in the
 * create's `label_ids`; a create step resumed after a crash looks for a resource carrying that label before it
 * creates again. The label stays on the resource
 * as a record of the gateway task that made it; names are never changed. Where a platform has no labels API
 * (404), the ids of same-named resources seen before the create stand in for the label.
 */
export const LABEL_KEY = 'markerLabelId';
export const BEFORE_KEY = 'idsBefore';
/** The ids of the IMCO labels that carry the caller's gateway labels (docs/providers/imco.md#labels). */
export const LABELS_KEY = 'labelIds';

async function findLabel(ctx: ImcoContext, name: string): Promise<string | null> {
  const labels = await ctx.client.list<ImLabel>('/labels', 'labels.list');
  return labels.find((label) => label.name === name)?.id ?? null;
}

/** The task's label id, or null when IMCO has no labels API. */
export async function ensureMarkerLabel(ctx: ImcoContext, taskId: string): Promise<string | null> {
  const name = taskMarker(taskId);
  try {
    const existing = await findLabel(ctx, name);
    if (existing) return existing;
    const created = await ctx.client.send<ImLabel>('POST', '/labels', 'labels.create', { name });
    return created?.id ?? (await findLabel(ctx, name));
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    // Made by a run of this task that died before it could save the id.
    if (error instanceof ValidationError) return findLabel(ctx, name);
    throw error;
  }
}

/**
 * A step that prepares the marker of a create: the label (found or made, so repeating it is harmless), the ids
 * of same-named resources that exist already, and the labels that carry the caller's gateway labels (found or
 * made too).
 */
export function markStep(
  ctx: ImcoContext,
  taskId: string,
  namesakes: () => Promise<Array<{ id: string; name?: string | null }>>,
  name: () => string,
  labels: Labels = {},
): OperationStep {
  return {
    name: 'mark',
    run: async (step) => {
      step.state[LABELS_KEY] = await labelIdsFor(ctx, labels);
      step.state[LABEL_KEY] = await ensureMarkerLabel(ctx, taskId);
      step.state[BEFORE_KEY] = (await namesakes())
        .filter((item) => item.name === name())
        .map((item) => item.id);
      return { status: 'done' };
    },
  };
}

/** Label ids to send with the create: the caller's IMCO labels, their gateway labels, and the marker. */
export function withMarker(step: StepContext, labelIds: string[] | undefined): string[] | undefined {
  const marker = step.state[LABEL_KEY] as string | null | undefined;
  const gateway = (step.state[LABELS_KEY] as string[] | undefined) ?? [];
  const all = [...(labelIds ?? []), ...gateway, ...(marker ? [marker] : [])];
  return all.length ? [...new Set(all)] : undefined;
}

/**
 * What an interrupted create made, if anything: the one resource with the task's label, else (no labels) the one
 * new resource with the requested name. Two candidates cannot be told apart: a person must look.
 */
export async function adoptCreated(
  step: StepContext,
  what: string,
  list: () => Promise<Array<{ id: string; name?: string | null; label_ids?: string[] | null }>>,
  name: string,
): Promise<string | null> {
  const marker = step.state[LABEL_KEY] as string | null | undefined;
  const before = (step.state[BEFORE_KEY] as string[] | undefined) ?? [];
  const items = await list();
  const mine = marker
    ? items.filter((item) => item.label_ids?.includes(marker))
    : items.filter((item) => item.name === name && !before.includes(item.id));
  if (mine.length > 1)
    throw new NeedsAttentionError(
      `Several IMCO ${what} carry the marker of this task; the gateway cannot tell which one it made.`,
    );
  return mine[0]?.id ?? null;
}

/** What a crash-safe create reads of the items of a list: id, name and labels; the others are skipped. */
type Markable = { id: string; name?: string | null; label_ids?: string[] | null };

/** The items of a collection as the marker and the adoption read them (a malformed item costs only itself). */
export function markables(ctx: ImcoContext, path: string, operation: string): () => Promise<Markable[]> {
  return async () => ofType(await ctx.client.list<unknown>(path, operation), ImcoMarkable);
}

export function missingId(noun: string): ProviderError {
  return new ProviderError(`IMCO accepted the ${noun} but did not say which one it is.`, {
    retryable: false,
  });
}

export interface CreateOnce {
  /** The step's name: `commission`, `create-vpc`, `create-volume`, `allocate`, `create-profile`. */
  name: string;
  /** `server`, `VPC`, `volume`, `floating IP`, `SSH profile`: for messages. */
  noun: string;
  path: string;
  /** `servers.commission`, `vpcs.create`...: names the call in logs and metrics. */
  operation: string;
  /** The name the resource is made with: adoption without labels goes by it. */
  resourceName: string;
  /** The caller's labels, sent with the marker. */
  labelIds?: string[];
  /** The create body that earlier steps worked out. */
  body(step: StepContext): object;
  /** The status shown when IMCO's answer has no `state` (SSH profiles have none); default `commissioning`. */
  madeStatus?: string;
  list: () => Promise<Markable[]>;
}

/**
 * The POST of a create, never repeated blindly: a resumed run adopts what the marker names first, and an answer
 * without an id is followed by a look for the marked resource.
 */
export function createOnceStep(ctx: ImcoContext, spec: CreateOnce): OperationStep {
  const plural = `${spec.noun}s`;
  return {
    name: spec.name,
    idempotent: false,
    run: async (step) => {
      if (step.resumed) {
        const adopted = await adoptCreated(step, plural, spec.list, spec.resourceName);
        if (adopted) return { status: 'done', nativeId: adopted, providerStatus: 'adopted' };
      }
      const body = { ...spec.body(step), label_ids: withMarker(step, spec.labelIds) };
      const created = await ctx.client.send<{ id?: string; state?: string | null }>(
        'POST',
        spec.path,
        spec.operation,
        body,
      );
      const id = created?.id ?? (await adoptCreated(step, plural, spec.list, spec.resourceName));
      if (!id) throw missingId(spec.noun);
      return {
        status: 'done',
        nativeId: id,
        providerStatus: created?.state ?? spec.madeStatus ?? 'commissioning',
      };
    },
  };
}
