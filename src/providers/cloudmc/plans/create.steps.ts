import { ValidationError } from '../../../common/errors/gateway-error';
import type { OperationStep, StepContext } from '../../ports/operation-plan';
import { hasMarker, markedName } from '../../ports/markers';
import type { OperationRequest, ServerCreateInput } from '../../ports/operations';
import { type CmComputeOffering, COMPUTE_OFFERING, NETWORK } from '../client/wire';
import type { ServerCreateOptions } from '../cloudmc.options';
import { callStep } from './call.steps';
import type { CloudmcContext } from './context';
import { adoptCreated } from './reads';
import { waitTaskStep } from './wait.steps';

/**
 * The instance a server create made: found by the task's marker in its name
 * (docs/providers/cloudmc.md#creates-after-a-crash).
 */
export const adoptInstance = (context: CloudmcContext, ctx: StepContext, taskId: string) =>
  adoptCreated(context, 'instances', ctx, (item) => hasMarker(item.name, taskId));

/**
 * What CloudMC cannot take, refused when the plan is built: a 400 at once, not a failed task
 * (docs/providers/cloudmc.md#instances).
 */
function validate(input: ServerCreateInput): void {
  if (!input.planId && (input.cpuCores === undefined || input.memoryMb === undefined)) {
    throw new ValidationError(
      'CloudMC needs a compute offering: give planId, or cpuCores and memoryMb for a custom offering.',
      [{ field: 'planId', message: 'is required on CloudMC unless cpuCores and memoryMb are given' }],
    );
  }
  if ((input.sshPublicKeys?.length ?? 0) > 1) {
    throw new ValidationError('CloudMC installs one SSH key at creation.', [
      { field: 'sshPublicKeys', message: 'at most one key on CloudMC' },
    ]);
  }
  if ((input.networkIds?.length ?? 0) > 1) {
    throw new ValidationError('CloudMC creates an instance in one network.', [
      { field: 'networkIds', message: 'at most one network on CloudMC' },
    ]);
  }
}

/**
 * The steps that make the instance: `prepare` (the create body: offering and network resolved), the one
 * non-idempotent `create-instance` call, and the wait for its task, which names the instance. A resumed or
 * forgotten create finds its instance again by the marker in its name.
 */
export function serverCreateSteps(
  context: CloudmcContext,
  request: OperationRequest<'server.create'>,
): OperationStep[] {
  const input = request.input;
  validate(input);
  const options = input.providerOptions as ServerCreateOptions;

  const prepare: OperationStep = {
    name: 'prepare',
    run: async (ctx) => {
      const body: Record<string, unknown> = {
        name: markedName(input.name, request.taskId),
        templateId: input.imageId,
        ...options,
      };
      body.computeOfferingId =
        input.planId ?? (await customOffering(context, input.cpuCores!, input.memoryMb!)).id;
      if (!input.planId) Object.assign(body, { cpuCount: input.cpuCores, memoryInMB: input.memoryMb });
      body.networkId = input.networkIds?.[0] ?? (await defaultNetwork(context, input.locationId));
      if (input.sshPublicKeys?.[0]) body.publicKey = input.sshPublicKeys[0];
      ctx.state.body = body;
      return { status: 'done' };
    },
  };
  const create = callStep(
    'create-instance',
    async (ctx) => {
      if (ctx.resumed) {
        const adopted = await adoptInstance(context, ctx, request.taskId);
        if (adopted) return { taskId: null, taskStatus: null, data: { id: adopted } };
      }
      return context.client.mutate('POST', 'instances', { body: ctx.state.body });
    },
    { idempotent: false },
  );
  const waitCreate = waitTaskStep('wait-create-task', context, {
    resultId: true,
    whenForgotten: async (ctx) => (await adoptInstance(context, ctx, request.taskId)) ?? false,
  });
  return [prepare, create, waitCreate];
}

/** The offering that accepts this size: a fixed one of exactly it, else a custom one whose lists allow it. */
async function customOffering(
  context: CloudmcContext,
  cpuCores: number,
  memoryMb: number,
): Promise<CmComputeOffering> {
  const offerings = await context.client.listOf('computeofferings', COMPUTE_OFFERING);
  const fixed = offerings.find((o) => !o.custom && o.cpuCount === cpuCores && o.memoryInMB === memoryMb);
  if (fixed) return fixed;
  // CloudMC validates the exact values a custom offering lists (docs/providers/cloudmc.md#catalog).
  const custom = offerings.find(
    (o) =>
      o.custom &&
      (!o.availableCpuCountValues || o.availableCpuCountValues.includes(cpuCores)) &&
      (!o.availableMemoryInMBValues || o.availableMemoryInMBValues.includes(memoryMb)) &&
      (!o.maxMemoryInMBToCpuRatio || memoryMb / cpuCores <= o.maxMemoryInMBToCpuRatio),
  );
  if (!custom) {
    throw new ValidationError(
      `No CloudMC compute offering takes ${cpuCores} cores and ${memoryMb} MiB; see GET /v1/providers/{name}/plans.`,
      [{ field: 'cpuCores', message: 'no offering of this size' }],
    );
  }
  return custom;
}

/**
 * The network a server goes to when the request names none: the first one in the location (zone); CloudMC needs
 * one and takes the zone from it (docs/providers/cloudmc.md#instances).
 */
async function defaultNetwork(context: CloudmcContext, locationId: string | undefined): Promise<string> {
  const networks = await context.client.listOf(
    'networks',
    NETWORK,
    locationId ? { zone_id: locationId } : {},
  );
  const usable = networks.find((n) => (n.state ?? '').toLowerCase() !== 'destroy');
  if (!usable) {
    throw new ValidationError(
      'CloudMC instances need a network and this environment has none there; create one first.',
      [{ field: 'networkIds', message: 'is required: no network exists in this location' }],
    );
  }
  return usable.id;
}
