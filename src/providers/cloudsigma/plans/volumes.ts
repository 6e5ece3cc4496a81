import {
  ConflictError,
  NotFoundError,
  ProviderError,
  ValidationError,
} from '../../../common/errors/gateway-error';
import { ResourceType } from '../../../domain/states';
import { pollDelay } from '../../kit/polling';
import { type Listed, mapListed, mapOne } from '../../kit/wire';
import { taskMarker } from '../../ports/markers';
import type { NativeVolume } from '../../ports/native';
import type { OperationPlan, OperationStep, StepContext, StepOutcome } from '../../ports/operation-plan';
import type { OperationRequest } from '../../ports/operations';
import type { VolumeReader } from '../../ports/ports';
import type { VolumeCreateOptions } from '../cloudsigma.options';
import type { KvObject } from '../client/codec';
import { CloudsigmaDrive } from '../client/wire';
import { type Attachment, attachmentsFrom, devicesOf, freeBlockSlot } from '../model/devices';
import { checkLabels, labelFields, labelsOf, relabelFields, sameLabels } from '../model/labels';
import { LIBRARY_USER, MARKER_KEY, toVolume } from '../model/mapper';
import { bytesToGib, gibToBytes } from '../model/sizing';
import { isImaging } from '../model/states';
import { attachSteps, stoppedChangeSteps } from './attach.steps';
import type { CloudsigmaContext } from './context';
import { done } from './power.steps';
import {
  drivePath,
  fetchDrive,
  fetchDrives,
  findMarked,
  listDrives,
  listServers,
  readDrive,
  statusOf,
} from './reads';
import { waitGone } from './wait.steps';

const DEADLINE_S = 900;
const MAX_GB = 1024;

const serversOf = (attachments: Attachment[]) => {
  const ids = [...new Set(attachments.map((a) => a.serverId))];
  return `${ids.length > 1 ? 'servers' : 'server'} ${ids.join(', ')}`;
};

/** Volumes = the account's drives; library drives are images, not volumes (docs/providers/cloudsigma.md#drives). */
export class CloudsigmaVolumeReader implements VolumeReader {
  constructor(private readonly context: CloudsigmaContext) {}

  /** The account's drives; a server that fails its checks is left out of the attachments, not the drives. */
  async list(): Promise<Listed<NativeVolume>> {
    const [drives, servers] = await Promise.all([fetchDrives(this.context), listServers(this.context)]);
    return mapListed(
      drives,
      CloudsigmaDrive,
      (d) => toVolume(this.context.map, d, attachmentsFrom(d, servers)),
      this.context.limits,
      CloudsigmaDrive.nativeIdOf,
    );
  }

  async get(nativeId: string): Promise<NativeVolume | null> {
    const drive = await fetchDrive(this.context, nativeId);
    if (!drive || drive.user === LIBRARY_USER) return null;
    const servers = CloudsigmaDrive.is(drive) ? await listServers(this.context) : [];
    return mapOne(drive, CloudsigmaDrive, (d) => toVolume(this.context.map, d, attachmentsFrom(d, servers)));
  }
}

/**
 * The drive operations. Attach and detach are `set` on a stopped server (`block:N`), so those tasks stop the
 * server and start it again when it ran (docs/providers/cloudsigma.md#attach-and-detach).
 */
export class CloudsigmaVolumePlans {
  constructor(private readonly context: CloudsigmaContext) {}

  create(request: OperationRequest<'volume.create'>): OperationPlan {
    const { name, sizeGb, serverId } = request.input;
    const options = request.input.providerOptions as VolumeCreateOptions;
    if (!(sizeGb >= 0.001 && sizeGb <= MAX_GB))
      throw new ValidationError('CloudSigma drives are from 1 MiB to 1 TiB.', [
        { field: 'sizeGb', message: `must be from 0.001 to ${MAX_GB} on CloudSigma` },
      ]);
    checkLabels(request.input.labels ?? {});
    const marker = taskMarker(request.taskId);
    const create: OperationStep = {
      name: 'create-drive',
      idempotent: false,
      run: async (ctx) => {
        const adopted = ctx.resumed
          ? findMarked(await listDrives(this.context), marker, 'drive', 'drives')
          : null;
        if (adopted) return { status: 'done', nativeId: adopted, providerStatus: 'drive found' };
        const answer = await this.context.client.post(
          '/drives/create',
          {
            name,
            size: gibToBytes(sizeGb),
            'claim:type': options.shared ? 'shared' : undefined,
            tags: options.ssd ? 'affinity:ssd' : undefined,
            // Labels as `user:` lines (docs/providers/cloudsigma.md#labels).
            ...labelFields(request.input.labels ?? {}),
            [MARKER_KEY]: marker,
          },
          'drives.create',
        );
        const drive = answer.find((o) => o.drive);
        if (!drive)
          throw new ProviderError('CloudSigma answered the drive create without the drive.', {
            retryable: false,
          });
        return { status: 'done', nativeId: drive.drive!, providerStatus: drive.status ?? undefined };
      },
    };
    const plan = this.plan([create, ...(serverId ? this.attachSteps(serverId) : [])], async (ctx) => {
      const id = ctx.nativeId ?? findMarked(await listDrives(this.context), marker, 'drive', 'drives');
      return !!id && !!(await readDrive(this.context, id));
    });
    // A drive made for a server it never reached is not what was asked for: remove it rather than leak it.
    plan.onFailure = async (ctx) => {
      const id = ctx.nativeId ?? findMarked(await listDrives(this.context), marker, 'drive', 'drives');
      const drive = serverId && id ? await readDrive(this.context, id) : null;
      if (drive && !attachmentsFrom(drive, await listServers(this.context)).length)
        await this.context.client.action(drivePath(id!, 'destroy'), 'drives.destroy');
    };
    return plan;
  }

  /** Refused with 409 while attached; 1.0 refuses too ("currently in use"). */
  delete(_request: OperationRequest<'volume.delete'>): OperationPlan {
    const destroy: OperationStep = {
      name: 'destroy-drive',
      run: async (ctx) => {
        const drive = await readDrive(this.context, ctx.nativeId!);
        if (!drive) return { status: 'done', providerStatus: 'deleted' };
        const attached = attachmentsFrom(drive, await listServers(this.context));
        if (attached.length) {
          throw new ConflictError(`The drive is attached to ${serversOf(attached)}; detach it first.`, {
            extensions: { currentState: 'in-use', expectedStates: ['available'] },
          });
        }
        await this.context.client.action(drivePath(ctx.nativeId!, 'destroy'), 'drives.destroy');
        return { status: 'done', providerStatus: 'destroy sent' };
      },
    };
    const gone = waitGone(
      this.context,
      this.context.drives,
      (id) => fetchDrive(this.context, id),
      (drive) => drive.status ?? '',
    );
    return this.plan([destroy, gone], async (ctx) => !(await readDrive(this.context, ctx.nativeId!)));
  }

  attach(request: OperationRequest<'volume.attach'>): OperationPlan {
    const { serverId } = request.input;
    return this.plan(this.attachSteps(serverId), async (ctx) => {
      const servers = await listServers(this.context);
      const server = servers.find((s) => s.server === serverId);
      return !!server && devicesOf(server).some((d) => d.driveId === ctx.nativeId);
    });
  }

  detach(_request: OperationRequest<'volume.detach'>): OperationPlan {
    const steps = attachSteps(this.context, {
      prepareName: 'prepare-detach',
      changeName: 'detach-drive',
      prepare: async (ctx) => {
        const drive = await readDrive(this.context, ctx.nativeId!);
        if (!drive) throw new NotFoundError(`CloudSigma has no drive '${ctx.nativeId}'.`);
        // A drive on several servers (shared) comes off one per detach: the first that does not boot from it.
        const attached = attachmentsFrom(drive, await listServers(this.context));
        const target = attached.find((a) => !a.boot);
        if (attached.length && !target)
          throw new ConflictError('This is the boot drive of its server; it cannot be detached.', {
            extensions: { currentState: 'in-use' },
          });
        return { serverId: target?.serverId ?? null };
      },
      applied: (server, ctx) => !devicesOf(server).some((d) => d.driveId === ctx.nativeId),
      change: (server, ctx) => {
        const body: Record<string, null> = {};
        for (const device of devicesOf(server).filter((d) => d.driveId === ctx.nativeId)) {
          body[device.key] = null; // an empty value clears the setting (docs/providers/cloudsigma.md#wire-format)
          body[`${device.key}:media`] = null;
        }
        return body;
      },
    });
    return this.plan(steps, async (ctx) => {
      const drive = await readDrive(this.context, ctx.nativeId!);
      const from = ctx.state.serverId as string | null | undefined;
      const attached = drive ? attachmentsFrom(drive, await listServers(this.context)) : [];
      return !!drive && (from ? !attached.some((a) => a.serverId === from) : !attached.length);
    });
  }

  /**
   * Makes the drive carry exactly `input.labels` as `user:` lines: one drive `set` of what changed, removed labels
   * sent empty (docs/providers/cloudsigma.md#labels). A drive still copying cannot be set: the step waits for it.
   */
  relabel(request: OperationRequest<'volume.relabel'>): OperationPlan {
    const { labels } = request.input;
    checkLabels(labels);
    const relabel: OperationStep = {
      name: 'relabel',
      run: async (ctx) => {
        const drive = await this.ownDrive(ctx.nativeId!);
        if (isImaging(drive)) return this.waitImaging(ctx, drive);
        const body = relabelFields(drive, labels);
        if (!Object.keys(body).length) return done('in place');
        await this.context.client.post(drivePath(ctx.nativeId!, 'set'), body, 'drives.set');
        return done('set');
      },
    };
    return this.plan([relabel], async (ctx) => {
      const drive = await readDrive(this.context, ctx.nativeId!);
      return !!drive && sameLabels(labelsOf(drive), labels);
    });
  }

  /**
   * Grows the drive: `set` with the new `size` in bytes (docs/providers/cloudsigma.md#resize). Only larger: a size
   * not above the current one is refused before the drive is changed. Whether 1.0 grows a drive a running server
   * uses is unknown, so a running server that has it is stopped first and started again, each a visible step, as
   * an attach does; a drive on several running servers is refused (409): stop all but one first.
   */
  resize(request: OperationRequest<'volume.resize'>): OperationPlan {
    const { sizeGb } = request.input;
    if (!(typeof sizeGb === 'number' && sizeGb > 0 && sizeGb <= MAX_GB))
      throw new ValidationError('CloudSigma drives are at most 1 TiB.', [
        { field: 'sizeGb', message: `must be above 0 and at most ${MAX_GB} on CloudSigma` },
      ]);
    const target = gibToBytes(sizeGb);
    const { context } = this;
    const grown = (drive: KvObject | null) => !!drive && Number(drive.size ?? 0) >= target;
    const steps = stoppedChangeSteps(context, {
      prepareName: 'prepare-resize',
      changeName: 'resize-drive',
      prepare: async (ctx) => {
        const drive = await this.ownDrive(ctx.nativeId!);
        if (isImaging(drive)) return { wait: true, providerStatus: `imaging ${drive.imaging ?? ''}`.trim() };
        // Nothing changed yet: a size that is not larger is the caller's mistake, before any change.
        if (grown(drive))
          throw new ValidationError(
            `The drive has ${bytesToGib(Number(drive.size ?? 0))} GiB already; CloudSigma drives only grow.`,
            [{ field: 'sizeGb', message: 'must be larger than the current size' }],
          );
        const servers = await listServers(context);
        const running = [...new Set(attachmentsFrom(drive, servers).map((a) => a.serverId))].filter(
          (id) => statusOf(servers.find((s) => s.server === id) ?? null) === 'active',
        );
        if (running.length > 1)
          throw new ConflictError(
            `The drive is on running servers ${running.join(', ')}; stop all but one of them first.`,
            { extensions: { currentState: 'in-use' } },
          );
        return { serverId: running[0] ?? null };
      },
      applied: async (ctx) => grown(await readDrive(context, ctx.nativeId!)),
      async apply(ctx) {
        await context.client.post(drivePath(ctx.nativeId!, 'set'), { size: target }, 'drives.set');
        return `size ${target}`;
      },
    });
    return this.plan(steps, async (ctx) => grown(await readDrive(context, ctx.nativeId!)));
  }

  /** An account drive the steps can change (a library drive is an image, never a volume). */
  private async ownDrive(id: string): Promise<KvObject> {
    const drive = await readDrive(this.context, id);
    if (!drive || drive.user === LIBRARY_USER)
      throw new NotFoundError(`CloudSigma has no drive '${id}' in this account.`);
    return drive;
  }

  private waitImaging(ctx: StepContext, drive: KvObject): StepOutcome {
    return {
      status: 'wait',
      delayMs: pollDelay(ctx.polls, this.context.backoff),
      providerStatus: `imaging ${drive.imaging ?? ''}`.trim(),
    };
  }

  private attachSteps(serverId: string): OperationStep[] {
    return attachSteps(this.context, {
      prepareName: 'prepare-attach',
      changeName: 'attach-drive',
      prepare: async (ctx) => {
        const drive = await readDrive(this.context, ctx.nativeId!);
        if (!drive || drive.user === LIBRARY_USER)
          throw new NotFoundError(`CloudSigma has no drive '${ctx.nativeId}' in this account.`);
        if (isImaging(drive)) return { wait: true, providerStatus: `imaging ${drive.imaging ?? ''}`.trim() };
        const elsewhere = attachmentsFrom(drive, await listServers(this.context)).filter(
          (a) => a.serverId !== serverId,
        );
        if (elsewhere.length && drive['claim:type'] !== 'shared')
          throw new ConflictError(`The drive is attached to ${serversOf(elsewhere)}; detach it first.`, {
            extensions: { currentState: 'in-use', expectedStates: ['available'] },
          });
        return { serverId };
      },
      applied: (server, ctx) => devicesOf(server).some((d) => d.driveId === ctx.nativeId),
      change: (server, ctx) => {
        const slot = freeBlockSlot(server);
        if (!slot) throw new ConflictError('The server has no free block device slot (block:0 to block:7).');
        return { [slot]: ctx.nativeId!, [`${slot}:media`]: 'disk' };
      },
    });
  }

  private plan(steps: OperationStep[], reconcile: OperationPlan['reconcile']): OperationPlan {
    return { resourceType: ResourceType.Volume, steps, deadlineSeconds: DEADLINE_S, reconcile };
  }
}
