import { ValidationError } from '../../../common/errors/gateway-error';
import { pollDelay } from '../../kit/polling';
import type { OperationStep } from '../../ports/operation-plan';
import type { ServerResizeInput } from '../../ports/operations';
import { type CmComputeOffering, type CmInstance, COMPUTE_OFFERING } from '../client/wire';
import { callStep } from './call.steps';
import type { CloudmcContext } from './context';
import { customFits, customOffering } from './create.steps';
import { wrongState } from './power.steps';
import { requireInstance, stateIs } from './reads';
import { waitListed } from './wait.steps';

// Server resize = `POST /instances/:id?operation=changeComputeOffering {computeOfferingId[, cpuCount, memoryInMB]}`
// (docs/providers/cloudmc.md#resize). CloudMC reboots a running instance itself to apply it: the plan has no
// stop or start step of its own, it waits for the instance to be back as it was.

/** What the resize aims at, kept in step state (no secret in it). */
interface ResizeTarget {
  computeOfferingId: string;
  cpuCount?: number;
  memoryInMB?: number;
}

/**
 * The forms CloudMC cannot take, refused when the plan is built: cores without memory (or the reverse), or
 * neither a plan nor a size.
 */
export function validateResize(input: ServerResizeInput): void {
  const { planId, cpuCores, memoryMb } = input;
  if ((cpuCores === undefined) !== (memoryMb === undefined)) {
    const missing = cpuCores === undefined ? 'cpuCores' : 'memoryMb';
    throw new ValidationError('CloudMC sizes a server by cores and memory together.', [
      { field: missing, message: 'is required on CloudMC with cpuCores or memoryMb' },
    ]);
  }
  if (!planId && cpuCores === undefined) {
    throw new ValidationError('Give planId, or cpuCores and memoryMb, to resize a CloudMC server.', [
      { field: 'planId', message: 'is required on CloudMC unless cpuCores and memoryMb are given' },
    ]);
  }
}

/** Whether the instance already has the target offering (and size, for a custom one). */
export function hasTarget(instance: CmInstance, target: ResizeTarget): boolean {
  return (
    instance.computeOfferingId === target.computeOfferingId &&
    (target.cpuCount === undefined || instance.cpuCount === target.cpuCount) &&
    (target.memoryInMB === undefined || instance.memoryInMB === target.memoryInMB)
  );
}

/** The body of `changeComputeOffering`: the offering named, or the one that takes the size asked for. */
async function resolveTarget(context: CloudmcContext, input: ServerResizeInput): Promise<ResizeTarget> {
  const { planId, cpuCores, memoryMb } = input;
  let offering: CmComputeOffering;
  if (planId) {
    const found = await context.client.getOf('computeofferings', planId, COMPUTE_OFFERING);
    if (!found) {
      throw new ValidationError(`CloudMC has no compute offering '${planId}'.`, [
        { field: 'planId', message: 'names no compute offering of this connection' },
      ]);
    }
    offering = found;
  } else {
    offering = await customOffering(context, cpuCores!, memoryMb!);
  }
  if (!offering.custom) {
    if (cpuCores !== undefined && (offering.cpuCount !== cpuCores || offering.memoryInMB !== memoryMb)) {
      throw new ValidationError(`The offering '${offering.name}' has a fixed size.`, [
        {
          field: 'cpuCores',
          message: 'must match the fixed size of the offering named by planId, or be left out',
        },
      ]);
    }
    return { computeOfferingId: offering.id };
  }
  // A custom offering needs the size (documented as required with one) and takes only the values it lists.
  if (cpuCores === undefined) {
    throw new ValidationError(`The offering '${offering.name}' is custom: CloudMC needs the size with it.`, [
      { field: 'cpuCores', message: 'is required with a custom offering on CloudMC (and memoryMb)' },
    ]);
  }
  if (!customFits(offering, cpuCores, memoryMb!)) {
    throw new ValidationError(
      `The offering '${offering.name}' does not take ${cpuCores} cores and ${memoryMb} MiB.`,
      [{ field: 'cpuCores', message: 'not a size this custom offering lists' }],
    );
  }
  return { computeOfferingId: offering.id, cpuCount: cpuCores, memoryInMB: memoryMb };
}

/**
 * `prepare` (the target offering), `resize` (the call, after the state checks: Running or Stopped; done at once
 * when the instance already has it), and the wait for the instance to be back in the power state it had, with the
 * new offering, on the shared instance list; the task is read only while the instance shows nothing of the change
 * (its old offering, in the state it had: docs/providers/cloudmc.md#waiting).
 */
export function serverResizeSteps(context: CloudmcContext, input: ServerResizeInput): OperationStep[] {
  const targetOf = (state: Record<string, unknown>) => state.target as ResizeTarget;
  const prepare: OperationStep = {
    name: 'prepare',
    run: async (ctx) => {
      ctx.state.target = await resolveTarget(context, input);
      return { status: 'done' };
    },
  };
  const resize = callStep('resize', async (ctx) => {
    const instance = await requireInstance(context, ctx.nativeId!);
    if (hasTarget(instance, targetOf(ctx.state)) && stateIs(instance, 'Running', 'Stopped', 'Shutdowned')) {
      ctx.state.wasRunning ??= stateIs(instance, 'Running');
      return null;
    }
    if (stateIs(instance, 'Starting', 'Stopping', 'Rebooting'))
      return { wait: pollDelay(ctx.polls, context.backoff), providerStatus: instance.state ?? undefined };
    if (!stateIs(instance, 'Running', 'Stopped', 'Shutdowned'))
      throw wrongState(instance, 'resize', ['Running', 'Stopped']);
    ctx.state.wasRunning = stateIs(instance, 'Running');
    return context.client.mutate('POST', 'instances', {
      id: ctx.nativeId!,
      operation: 'changeComputeOffering',
      body: targetOf(ctx.state),
    });
  });
  // The power state the instance had before the call, and goes back to.
  const back = (state: Record<string, unknown>) =>
    state.wasRunning === false ? ['Stopped', 'Shutdowned'] : ['Running'];
  const waitResized = waitListed<CmInstance>(context, {
    name: 'wait-resized',
    reader: context.polled.instances,
    done: (instance, ctx) =>
      hasTarget(instance, targetOf(ctx.state)) && stateIs(instance, ...back(ctx.state)),
    failed: (instance) =>
      stateIs(instance, 'Error', 'Destroyed', 'Expunging')
        ? `The instance went to ${instance.state} while being resized.`
        : null,
    unchanged: (instance, ctx) =>
      !hasTarget(instance, targetOf(ctx.state)) && stateIs(instance, ...back(ctx.state)),
    whenMissing: 'fail',
    status: (instance) => instance.state,
  });
  return [prepare, resize, waitResized];
}
