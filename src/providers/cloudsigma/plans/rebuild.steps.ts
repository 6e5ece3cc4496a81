import { ConflictError, GatewayError, ValidationError } from '../../../common/errors/gateway-error';
import { ResourceType } from '../../../domain/states';
import { taskMarker } from '../../ports/markers';
import type { OperationPlan, OperationStep, StepContext } from '../../ports/operation-plan';
import type { OperationRequest } from '../../ports/operations';
import type { ServerRebuildOptions } from '../cloudsigma.options';
import type { KvObject } from '../client/codec';
import { attachmentsFrom, devicesOf } from '../model/devices';
import { IMAGE_KEY, labelFields, labelsOf, MARKER_KEY } from '../model/labels';
import { bytesToGib } from '../model/sizing';
import { attachSteps } from './attach.steps';
import type { CloudsigmaContext } from './context';
import { cloneImageStep, findClone, installProblems } from './create.steps';
import { done } from './power.steps';
import { drivePath, fetchDrive, listServers, readDrive, readServer, requireServer } from './reads';
import { waitImaging } from './wait.steps';

const REBUILD_DEADLINE_S = 3_600; // a clone of a large image may take long (clients cap imaging at 20 minutes)

/** The disk a server boots from: the first device of its boot list (or `ide:0:0`) with media `disk`. */
export function bootDiskOf(server: KvObject): { key: string; driveId: string } | undefined {
  const device = devicesOf(server).find((d) => d.boot && d.media === 'disk');
  return device && { key: device.key, driveId: device.driveId };
}

interface Prepared {
  /** The device key the server boots from, and the drive on it before the rebuild. */
  bootDevice: string;
  oldDriveId: string;
  serverName: string;
  /** Bytes the clone is made with (the old drive's size when the image is smaller), or none: the image's. */
  size?: number;
  ssd: boolean;
}

const preparedOf = (ctx: StepContext) => ctx.state.prepared as Prepared;

/**
 * Reinstall from an image, keeping the server (docs/providers/cloudsigma.md#rebuild): 1.0 has no reinstall call, so
 * the boot drive is replaced. A clone of the image takes the old boot drive's size (when larger than the image),
 * SSD tag and labels; it goes on the boot device by `set` on the stopped server (stopped and started again as
 * visible steps when it ran, as an attach does); the old boot drive is destroyed unless `keepOldDrive` or another
 * server still has it. The server keeps its UUID, name, sizes, NICs and addresses, VLAN, VNC settings and labels;
 * its boot volume is a new drive. Crash-safe: the clone carries the task marker, found again on resume.
 */
export function serverRebuildPlan(
  context: CloudsigmaContext,
  request: OperationRequest<'server.rebuild'>,
): OperationPlan {
  const { input } = request;
  const problems = installProblems(input);
  if (problems.length) throw new ValidationError('CloudSigma cannot rebuild this server so.', problems);
  const options = input.providerOptions as ServerRebuildOptions;
  const marker = taskMarker(request.taskId);
  const { client } = context;
  const cloneId = (ctx: StepContext) => ctx.state.driveId as string;

  const prepare: OperationStep = {
    name: 'prepare-rebuild',
    async run(ctx) {
      const server = await requireServer(context, ctx.nativeId!);
      const boot = bootDiskOf(server);
      if (!boot)
        throw new ConflictError('The server has no boot disk to reinstall.', {
          extensions: { currentState: server.status ?? 'unknown' },
        });
      const [image, old] = await Promise.all([
        fetchDrive(context, input.imageId),
        readDrive(context, boot.driveId),
      ]);
      if (!image)
        throw new ValidationError(`CloudSigma has no library drive '${input.imageId}'.`, [
          { field: 'imageId', message: 'no such image' },
        ]);
      const oldSize = Number(old?.size ?? 0);
      const imageSize = Number(image.size ?? 0);
      const prepared: Prepared = {
        bootDevice: boot.key,
        oldDriveId: boot.driveId,
        serverName: server.name ?? 'server',
        size: oldSize > imageSize ? oldSize : undefined,
        ssd: (old?.tags ?? '').split(/\s+/).includes('affinity:ssd'),
      };
      ctx.state.prepared = prepared;
      // The old drive's labels go to the new one: they describe the server's boot volume, not its bytes.
      ctx.state.labels = old ? labelsOf(old) : {};
      return done(`boot drive ${boot.driveId} on ${boot.key}`);
    },
  };

  const clone = cloneImageStep(context, request.taskId, {
    imageId: input.imageId,
    name: (ctx) => `${preparedOf(ctx).serverName}-boot`,
    fields: (ctx) => ({
      size: preparedOf(ctx).size,
      tags: preparedOf(ctx).ssd ? 'affinity:ssd' : undefined,
      ...labelFields((ctx.state.labels as Record<string, string> | undefined) ?? {}),
    }),
  });

  const swap = attachSteps(context, {
    prepareName: 'prepare-swap',
    changeName: 'swap-boot-drive',
    prepare: async (ctx) => ({ serverId: ctx.nativeId! }),
    applied: (server, ctx) => server[preparedOf(ctx).bootDevice] === cloneId(ctx),
    change: (_server, ctx) => {
      const { bootDevice } = preparedOf(ctx);
      return { [bootDevice]: cloneId(ctx), [`${bootDevice}:media`]: 'disk', [IMAGE_KEY]: input.imageId };
    },
  });

  const destroyOld: OperationStep = {
    name: 'destroy-old-drive',
    async run(ctx) {
      const { oldDriveId } = preparedOf(ctx);
      if (options.keepOldDrive) return done(`kept ${oldDriveId}`);
      const old = await readDrive(context, oldDriveId);
      if (!old) return done('already gone');
      const holders = attachmentsFrom(old, await listServers(context));
      if (holders.length)
        return done(`kept: still on server ${[...new Set(holders.map((h) => h.serverId))].join(', ')}`);
      try {
        await client.action(drivePath(oldDriveId, 'destroy'), 'drives.destroy');
      } catch (error) {
        if (!(error instanceof GatewayError) || error.code !== 'not_found') throw error;
        return done('already gone');
      }
      return done(`destroyed ${oldDriveId} (${bytesToGib(Number(old.size ?? 0))} GiB)`);
    },
  };

  /** The clone this task made sits on the server's boot device. */
  const swapped = async (ctx: StepContext) => {
    const prepared = ctx.state.prepared as Prepared | undefined;
    const server = prepared ? await readServer(context, ctx.nativeId!) : null;
    const onBoot = server?.[prepared!.bootDevice];
    const drive = onBoot ? await readDrive(context, onBoot) : null;
    return !!drive && (drive[MARKER_KEY] === marker || !!drive.name?.endsWith(`-${marker}`));
  };

  return {
    resourceType: ResourceType.Server,
    steps: [prepare, clone, waitImaging(context, cloneId), ...swap, destroyOld],
    deadlineSeconds: REBUILD_DEADLINE_S,
    reconcile: swapped,
    // A clone no server took is not what was asked for: destroy it rather than leave an orphan to pay for.
    onFailure: async (ctx) => {
      const id = (ctx.state.driveId as string | undefined) ?? (await findClone(context, marker));
      const drive = id ? await readDrive(context, id) : null;
      if (drive && !attachmentsFrom(drive, await listServers(context)).length)
        await client.action(drivePath(id!, 'destroy'), 'drives.destroy');
    },
  };
}
