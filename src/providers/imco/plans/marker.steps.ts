import { NeedsAttentionError, NotFoundError, ValidationError } from '../../common/errors/gateway-error';
import type { OperationStep, StepContext } from '../ports/operation-plan';
import { taskMarker } from '../ports/markers';
import type { ImcoContext } from './imco.context';
import type { ImLabel } from './imco.types';

/**
 * Crash-safe creates with IMCO labels (reference §3.9): before a create, the task finds or makes a label named
 * after its marker (`gw` + the end of the task id) and sends it in the create's `label_ids`; a create step resumed
 * after a crash looks for a resource carrying that label before it creates again. The label stays on the resource
 * as a record of the gateway task that made it; names are never changed. Where a platform has no labels API
 * (404), the ids of same-named resources seen before the create stand in for the label.
 */
export const LABEL_KEY = 'markerLabelId';
export const BEFORE_KEY = 'idsBefore';

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
 * A step that prepares the marker of a create: the label (found or made, so repeating it is harmless) and the ids
 * of same-named resources that exist already.
 */
export function markStep(
  ctx: ImcoContext,
  taskId: string,
  namesakes: () => Promise<Array<{ id: string; name?: string | null }>>,
  name: () => string,
): OperationStep {
  return {
    name: 'mark',
    run: async (step) => {
      step.state[LABEL_KEY] = await ensureMarkerLabel(ctx, taskId);
      step.state[BEFORE_KEY] = (await namesakes())
        .filter((item) => item.name === name())
        .map((item) => item.id);
      return { status: 'done' };
    },
  };
}

/** Label ids to send with the create: the caller's plus the marker. */
export function withMarker(step: StepContext, labelIds: string[] | undefined): string[] | undefined {
  const marker = step.state[LABEL_KEY] as string | null | undefined;
  const all = [...(labelIds ?? []), ...(marker ? [marker] : [])];
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
