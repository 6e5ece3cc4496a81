import { GatewayError, ValidationError } from '../../../common/errors/gateway-error';
import type { OperationStep, StepContext } from '../../ports/operation-plan';
import { hasMarker, markedName } from '../../ports/markers';
import type { OperationRequest, ServerCreateInput } from '../../ports/operations';
import { type CmComputeOffering, COMPUTE_OFFERING, NETWORK, SSH_KEY } from '../client/wire';
import type { ServerCreateOptions } from '../cloudmc.options';
import { callStep } from './call.steps';
import type { CloudmcContext } from './context';
import { waitRunning } from './power.steps';
import { adoptCreated } from './reads';

/**
 * The instance a server create made: found by the task's marker in its name
 * (docs/providers/cloudmc.md#creates-after-a-crash).
 */
export const adoptInstance = (context: CloudmcContext, ctx: StepContext, taskId: string) =>
  adoptCreated(context, 'instances', ctx, (item) => hasMarker(item.name, taskId));

/**
 * The longest user data CloudMC takes, in bytes of the text as sent: CloudMC hands it to CloudStack base64-encoded,
 * and CloudStack's default limit is 32 768 characters of base64, i.e. 24 576 bytes
 * (docs/providers/cloudmc.md#user-data).
 */
export const USER_DATA_MAX_BYTES = 24_576;

/**
 * What CloudMC cannot take, refused when the plan is built: a 400 at once, not a failed task
 * (docs/providers/cloudmc.md#instances, #ssh-keys and #user-data).
 */
function validate(input: ServerCreateInput): void {
  if (!input.planId && (input.cpuCores === undefined || input.memoryMb === undefined)) {
    throw new ValidationError(
      'CloudMC needs a compute offering: give planId, or cpuCores and memoryMb for a custom offering.',
      [{ field: 'planId', message: 'is required on CloudMC unless cpuCores and memoryMb are given' }],
    );
  }
  // One key per instance: `sshKeyName` or `publicKey`, never both (docs/providers/cloudmc.md#ssh-keys).
  const keys = (input.sshPublicKeys?.length ?? 0) + (input.sshKeyIds?.length ?? 0);
  if (keys > 1) {
    const field = (input.sshKeyIds?.length ?? 0) > 0 ? 'sshKeyIds' : 'sshPublicKeys';
    throw new ValidationError('CloudMC installs one SSH key at creation.', [
      { field, message: 'at most one key on CloudMC, in sshKeyIds or sshPublicKeys' },
    ]);
  }
  if ((input.networkIds?.length ?? 0) > 1) {
    throw new ValidationError('CloudMC creates an instance in one network.', [
      { field: 'networkIds', message: 'at most one network on CloudMC' },
    ]);
  }
  if (input.userData !== undefined && Buffer.byteLength(input.userData, 'utf8') > USER_DATA_MAX_BYTES) {
    throw new ValidationError('The user data is longer than CloudMC takes.', [
      { field: 'userData', message: `at most ${USER_DATA_MAX_BYTES} bytes on CloudMC` },
    ]);
  }
}

/**
 * The error of a call that carried user data, with any echo of it masked: a backend may repeat what it refused,
 * and errors end up in task records (docs/providers/cloudmc.md#user-data).
 */
export function withoutUserData<E>(error: E, userData: string | undefined): E {
  if (!userData || userData.length < 6 || !(error instanceof GatewayError)) return error;
  const mask = (text: string) => text.split(userData).join('[redacted]');
  error.message = mask(error.message);
  if (error.stack) error.stack = mask(error.stack);
  if (error.upstream?.message) error.upstream.message = mask(error.upstream.message);
  error.errors?.forEach((entry) => (entry.message = mask(entry.message)));
  return error;
}

/** A step whose errors are cleaned of the user data its call carried. */
function masking(step: OperationStep, userData: string | undefined): OperationStep {
  if (!userData) return step;
  return {
    ...step,
    run: async (ctx) => {
      try {
        return await step.run(ctx);
      } catch (error) {
        throw withoutUserData(error, userData);
      }
    },
  };
}

/**
 * The steps that make the instance: `prepare` (the create body: offering, network and SSH key resolved), the one
 * non-idempotent `create-instance` call, and `wait-running`, which finds the instance in the shared instance list
 * by the marker in its name (naming it) and waits until it runs; it reads the create's task only while the list
 * shows no such instance (docs/providers/cloudmc.md#waiting). A resumed create finds its instance again by the
 * marker too. The user data is a secret: it never goes into the step state (persisted in the task record) but is
 * added to the body at the call, from the sealed input (docs/providers/cloudmc.md#user-data).
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
      if (input.sshKeyIds?.[0]) body.sshKeyName = await existingKey(context, input.sshKeyIds[0]);
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
      const prepared = ctx.state.body as Record<string, unknown>;
      const body = input.userData === undefined ? prepared : { ...prepared, userData: input.userData };
      return context.client.mutate('POST', 'instances', { body });
    },
    { idempotent: false },
  );
  // Masked too: a failed task's message may repeat what it was given.
  return [prepare, masking(create, input.userData), masking(waitRunning(context, true), input.userData)];
}

/** The SSH key a create names (its name is its id): checked now, so a wrong one is a 400 naming the field. */
async function existingKey(context: CloudmcContext, name: string): Promise<string> {
  if (!(await context.client.getOf('sshkeys', name, SSH_KEY))) {
    throw new ValidationError(`CloudMC has no SSH key '${name}' in this environment.`, [
      { field: 'sshKeyIds', message: 'names no SSH key of this connection' },
    ]);
  }
  return name;
}

/** Whether a custom offering's lists and ratio allow this size (CloudMC takes only the values it lists). */
export function customFits(offering: CmComputeOffering, cpuCores: number, memoryMb: number): boolean {
  return (
    offering.custom === true &&
    (!offering.availableCpuCountValues || offering.availableCpuCountValues.includes(cpuCores)) &&
    (!offering.availableMemoryInMBValues || offering.availableMemoryInMBValues.includes(memoryMb)) &&
    (!offering.maxMemoryInMBToCpuRatio || memoryMb / cpuCores <= offering.maxMemoryInMBToCpuRatio)
  );
}

/** The offering that accepts this size: a fixed one of exactly it, else a custom one whose lists allow it. */
export async function customOffering(
  context: CloudmcContext,
  cpuCores: number,
  memoryMb: number,
): Promise<CmComputeOffering> {
  const offerings = await context.client.listOf('computeofferings', COMPUTE_OFFERING);
  const fixed = offerings.find((o) => !o.custom && o.cpuCount === cpuCores && o.memoryInMB === memoryMb);
  if (fixed) return fixed;
  // CloudMC validates the exact values a custom offering lists (docs/providers/cloudmc.md#catalog).
  const custom = offerings.find((o) => customFits(o, cpuCores, memoryMb));
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
