import {
  ConflictError,
  NotFoundError,
  ProviderError,
  ValidationError,
} from '../../../common/errors/gateway-error';
import { type LabeledType, type Labels, visibleLabels } from '../../../domain/labels';
import { ResourceType } from '../../../domain/states';
import { ofType } from '../../kit/wire';
import type { OperationPlan, StepContext } from '../../ports/operation-plan';
import { type ImcoClient, PATHS, seg } from '../client/http.client';
import { ImcoLabel, ImcoMarkable } from '../client/wire';
import type { ImLabel } from '../client/wire.types';
import { encodeLabel, type LabelIndex, labelChanges, labelsOf } from '../model/labels';
import type { ImcoContext } from './context';

// IMCO labels as the gateway's labels (docs/providers/imco.md#labels): read with every resource, put on with a
// create's `label_ids`, changed on an existing resource one label at a time (`POST /labels/{id}/resources`,
// `DELETE /labels/{id}/resources/{type}/{resource id}`).

const LABELS_PATH = '/labels';
const EMPTY: LabelIndex = new Map();

/** The account's labels, `null` when the platform has no labels API (404). */
async function readLabels(client: ImcoClient): Promise<LabelIndex | null> {
  try {
    const answer = await client.list<unknown>(LABELS_PATH, 'labels.list');
    // A label that fails its checks is one the gateway cannot read: its resources show without it.
    return new Map(ofType(answer, ImcoLabel).map((label) => [label.id, label]));
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    throw error;
  }
}

/**
 * The labels reads decode `label_ids` with. Read for every resource read (a label made a moment ago by another
 * task must show); reads that overlap share one call.
 */
export class LabelBook {
  private shared: Promise<LabelIndex> | null = null;

  constructor(private readonly client: ImcoClient) {}

  /** The account's labels by id; none where IMCO has no labels API. */
  index(): Promise<LabelIndex> {
    this.shared ??= readLabels(this.client)
      .then((index) => index ?? EMPTY)
      .finally(() => {
        this.shared = null;
      });
    return this.shared;
  }
}

function noLabelsApi(): ProviderError {
  return new ProviderError(
    'This IMCO platform has no labels API (GET /labels answers 404), so it cannot keep labels.',
    { retryable: false },
  );
}

/** A step's own read of the labels (never a shared one: it acts on what it reads). */
async function labelsForStep(ctx: ImcoContext): Promise<LabelIndex> {
  const index = await readLabels(ctx.client);
  if (!index) throw noLabelsApi();
  return index;
}

const byName = (index: LabelIndex, name: string): string | undefined =>
  [...index.values()].find((label) => label.name === name && !label.namespace)?.id;

/**
 * The id of the user label `name`: found, or made. A refused make whose label exists by then was made by a run
 * that died, or by another task (IMCO's label names are unique: [U]).
 */
export async function labelIdOf(ctx: ImcoContext, name: string, index?: LabelIndex): Promise<string> {
  const known = index ? byName(index, name) : undefined;
  if (known) return known;
  try {
    const made = await ctx.client.send<ImLabel>('POST', LABELS_PATH, 'labels.create', { name });
    const id = made?.id ?? byName(await labelsForStep(ctx), name);
    if (!id) throw new ProviderError(`IMCO accepted the label '${name}' but did not say which one it is.`);
    return id;
  } catch (error) {
    if (error instanceof NotFoundError) throw noLabelsApi();
    if (!(error instanceof ValidationError)) throw error;
    const found = byName(await labelsForStep(ctx), name);
    if (found) return found;
    throw error;
  }
}

/** The ids of the IMCO labels a create puts on for the caller's labels (found or made; none for `{}`). */
export async function labelIdsFor(ctx: ImcoContext, labels: Labels): Promise<string[]> {
  const names = Object.entries(visibleLabels(labels)).map(([key, value]) => encodeLabel(key, value));
  if (!names.length) return [];
  const index = await labelsForStep(ctx);
  const ids: string[] = [];
  for (const name of names) ids.push(await labelIdOf(ctx, name, index));
  return ids;
}

/** A labelled IMCO collection: where its items live and how a label names their type. */
export interface LabelTarget {
  resourceType: ResourceType;
  path: string;
  /** The `resource_type` of its items, as the label calls take it. */
  labelType: string;
  /** `server`, `volume`...: for messages. */
  noun: string;
  /** `servers`, `volumes`...: names the calls in logs and metrics. */
  operation: string;
}

/** The `resource_type` names are those IMCO's CLI sends for each (docs/providers/imco.md#labels). */
export const LABEL_TARGETS: Record<LabeledType, LabelTarget> = {
  server: {
    resourceType: ResourceType.Server,
    path: PATHS.servers,
    labelType: 'server',
    noun: 'server',
    operation: 'servers',
  },
  volume: {
    resourceType: ResourceType.Volume,
    path: PATHS.volumes,
    labelType: 'volume',
    noun: 'volume',
    operation: 'volumes',
  },
  network: {
    resourceType: ResourceType.Network,
    path: PATHS.vpcs,
    labelType: 'vpc',
    noun: 'VPC',
    operation: 'vpcs',
  },
  ip: {
    resourceType: ResourceType.Ip,
    path: PATHS.floatingIps,
    labelType: 'floating_ip',
    noun: 'floating IP',
    operation: 'floating_ips',
  },
};

async function labelIdsOfResource(
  ctx: ImcoContext,
  target: LabelTarget,
  id: string,
): Promise<string[] | null> {
  const item = await ctx.client.get<{ label_ids?: string[] | null }>(
    `${target.path}/${seg(id)}`,
    `${target.operation}.get`,
    ImcoMarkable,
  );
  return item ? (item.label_ids ?? []) : null;
}

/**
 * `<type>.relabel`: makes the resource carry exactly the requested gateway labels, one label call at a time.
 * Every run works from a fresh read of the resource and of the labels, so a run resumed after a crash does only
 * what is left; the gateway's markers and labels that are not gateway labels are never taken off.
 */
export function relabelPlan(
  ctx: ImcoContext,
  target: LabelTarget,
  labels: Labels,
  deadlineSeconds: number,
): OperationPlan {
  const wanted = visibleLabels(labels);
  const read = async (step: StepContext) => {
    const ids = await labelIdsOfResource(ctx, target, step.nativeId!);
    if (!ids) throw new NotFoundError(`IMCO has no ${target.noun} '${step.nativeId}'.`);
    return ids;
  };
  return {
    resourceType: target.resourceType,
    steps: [
      {
        name: 'relabel',
        run: async (step) => {
          const id = step.nativeId!;
          const [ids, index] = await Promise.all([read(step), labelsForStep(ctx)]);
          const { remove, add } = labelChanges(ids, index, wanted);
          for (const label of remove) {
            try {
              await ctx.client.send(
                'DELETE',
                `${LABELS_PATH}/${seg(label.id)}/resources/${target.labelType}/${seg(id)}`,
                'labels.untag',
              );
            } catch (error) {
              // Taken off already (by a run whose answer was lost).
              if (!(error instanceof NotFoundError)) throw error;
            }
          }
          for (const name of add) {
            const labelId = await labelIdOf(ctx, name, index);
            try {
              await ctx.client.send('POST', `${LABELS_PATH}/${seg(labelId)}/resources`, 'labels.tag', {
                resources: [{ id, resource_type: target.labelType }],
              });
            } catch (error) {
              // Refused because a run whose answer was lost put it on already: fine. Anything else stands.
              if (!(error instanceof ValidationError || error instanceof ConflictError)) throw error;
              if (!(await read(step)).includes(labelId)) throw error;
            }
          }
          return { status: 'done', providerStatus: `labels +${add.length} -${remove.length}` };
        },
      },
    ],
    deadlineSeconds,
    reconcile: async (step) => {
      const ids = await labelIdsOfResource(ctx, target, step.nativeId!);
      if (!ids) return false;
      const shown = labelsOf(ids, await labelsForStep(ctx));
      const keys = Object.keys(wanted);
      return keys.length === Object.keys(shown).length && keys.every((key) => shown[key] === wanted[key]);
    },
  };
}
