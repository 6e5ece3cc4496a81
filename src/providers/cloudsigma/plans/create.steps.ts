import { NotFoundError, ProviderError, ValidationError } from '../../../common/errors/gateway-error';
import { ResourceType } from '../../../domain/states';
import { markedName, taskMarker } from '../../ports/markers';
import type { OperationPlan, OperationStep, StepContext } from '../../ports/operation-plan';
import type { OperationRequest } from '../../ports/operations';
import type { ServerCreateOptions } from '../cloudsigma.options';
import type { KvObject } from '../client/codec';
import { checkLabels, IMAGE_KEY, labelFields, MARKER_KEY } from '../model/labels';
import { gibToBytes, sizingOf } from '../model/sizing';
import type { CloudsigmaContext } from './context';
import { startStep, stopStep } from './power.steps';
import { drivePath, findMarked, listDrives, listServers, readServer, statusOf } from './reads';
import { waitImaging, waitServer } from './wait.steps';

const CREATE_DEADLINE_S = 3_600; // clients cap imaging at 20 minutes; a large image may need more
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What 1.0 cannot put on a server it installs from an image (create or rebuild): SSH keys and user-data
 * (docs/providers/cloudsigma.md#ssh-keys, docs/providers/cloudsigma.md#user-data). The core answers 501 first,
 * since the adapter declares neither feature; this is the backstop. Never echoes the user-data.
 */
export function installProblems(input: {
  imageId: string;
  sshPublicKeys?: string[];
  sshKeyIds?: string[];
  userData?: string;
}): Array<{ field: string; message: string }> {
  const errors = [];
  if (!UUID.test(input.imageId))
    errors.push({ field: 'imageId', message: 'must be a library drive (a UUID)' });
  if (input.sshPublicKeys?.length)
    errors.push({ field: 'sshPublicKeys', message: 'CloudSigma 1.0 cannot install SSH keys; use the image' });
  if (input.sshKeyIds?.length)
    errors.push({ field: 'sshKeyIds', message: 'CloudSigma 1.0 keeps no SSH keys' });
  if (input.userData !== undefined)
    errors.push({ field: 'userData', message: 'CloudSigma 1.0 has no user-data or cloud-init field' });
  return errors;
}

/** Checks a create before any backend call; answers the sizes to send. */
function validate(context: CloudsigmaContext, request: OperationRequest<'server.create'>) {
  const { input } = request;
  const sizing = sizingOf(input);
  checkLabels(input.labels ?? {});
  const errors = installProblems(input);
  if ((input.networkIds?.length ?? 0) > 1)
    errors.push({ field: 'networkIds', message: 'at most one VLAN (nic:1) on CloudSigma 1.0' });
  if (input.locationId && input.locationId !== context.map.location.id)
    errors.push({
      field: 'locationId',
      message: `this connection has one location, '${context.map.location.id}'`,
    });
  if (errors.length) throw new ValidationError('CloudSigma cannot create this server.', errors);
  return sizing;
}

type Plain = string | number | boolean | null | undefined;

/** The drive a task cloned, found by its marker (docs/providers/cloudsigma.md#crash-safe-creates). */
export const findClone = async (context: CloudsigmaContext, marker: string) =>
  findMarked(await listDrives(context), marker, 'drive', 'drives');

export interface CloneSpec {
  /** The library drive (or any readable drive) to copy. */
  imageId: string;
  /** The clone's name; the task marker is appended. */
  name(ctx: StepContext): string;
  /** Further keys of the clone request (`size`, `tags`, `user:` lines). */
  fields?(ctx: StepContext): Record<string, Plain>;
}

/**
 * Clones an image into a new drive (`POST /drives/IMAGE/clone`), marked with `user:gwtask` and a name suffix so
 * that a resumed step finds its clone instead of making a second (docs/providers/cloudsigma.md#crash-safe-creates).
 * Keeps the new drive's id in `ctx.state.driveId`. An unknown image is a validation error on `imageId`.
 */
export function cloneImageStep(context: CloudsigmaContext, taskId: string, spec: CloneSpec): OperationStep {
  const marker = taskMarker(taskId);
  return {
    name: 'clone-drive',
    idempotent: false,
    async run(ctx) {
      const adopted = ctx.resumed ? await findClone(context, marker) : null;
      if (adopted) {
        ctx.state.driveId = adopted;
        return { status: 'done', providerStatus: 'clone found' };
      }
      let answer: KvObject[];
      try {
        answer = await context.client.post(
          drivePath(spec.imageId, 'clone'),
          {
            // The marker also ends the name, in case a backend drops `user:` keys on clone (unknown:
            // docs/providers/cloudsigma.md#crash-safe-creates).
            name: markedName(spec.name(ctx), taskId),
            ...spec.fields?.(ctx),
            [MARKER_KEY]: marker,
          },
          'drives.clone',
        );
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
        throw new ValidationError(`CloudSigma has no library drive '${spec.imageId}'.`, [
          { field: 'imageId', message: 'no such image' },
        ]);
      }
      const drive = answer.find((o) => o.drive);
      if (!drive)
        throw new ProviderError('CloudSigma answered the clone without the new drive.', { retryable: false });
      ctx.state.driveId = drive.drive;
      return { status: 'done', providerStatus: drive.imaging ? `imaging ${drive.imaging}` : 'cloned' };
    },
  };
}

/**
 * The create recipe every 1.0 client follows (docs/providers/cloudsigma.md#creating-a-server): clone the library
 * drive, wait until imaging ends, create the server with that drive, a NIC and VNC, then start it unless it runs
 * already (whether a create starts the server is unknown) — or stop it for `powerOn: false`. The clone and the
 * server both carry `user:gwtask <marker>`, so a resumed step finds what it made
 * (docs/providers/cloudsigma.md#crash-safe-creates); a create that fails leaves no orphan clone behind.
 */
export function serverCreatePlan(
  context: CloudsigmaContext,
  request: OperationRequest<'server.create'>,
): OperationPlan {
  const { input } = request;
  const sizing = validate(context, request);
  const options = input.providerOptions as ServerCreateOptions;
  const marker = taskMarker(request.taskId);
  const { client } = context;
  const findDrive = () => findClone(context, marker);
  const findServer = async () => findMarked(await listServers(context), marker, 'server', 'servers');

  const clone = cloneImageStep(context, request.taskId, {
    imageId: input.imageId,
    name: () => `${input.name}-boot`,
    fields: () => ({
      size: options.bootDriveSizeGb ? gibToBytes(options.bootDriveSizeGb) : undefined,
      tags: options.ssd ? 'affinity:ssd' : undefined,
    }),
  });

  const waitClone = waitImaging(context, (ctx) => ctx.state.driveId as string);

  const create: OperationStep = {
    name: 'create-server',
    idempotent: false,
    async run(ctx) {
      const adopted = ctx.resumed ? await findServer() : null;
      if (adopted) return { status: 'done', nativeId: adopted, providerStatus: 'server found' };
      const vlan = input.networkIds?.[0];
      const nic = options.nicModel ?? 'e1000';
      const answer = await client.post(
        '/servers/create',
        {
          name: input.name,
          cpu: sizing.cpu,
          smp: sizing.smp,
          mem: sizing.mem,
          persistent: true, // else a stop would destroy it (docs/providers/cloudsigma.md#servers)
          'ide:0:0': ctx.state.driveId as string,
          'ide:0:0:media': 'disk',
          boot: 'ide:0:0',
          'nic:0:model': nic,
          'nic:0:dhcp': 'auto',
          'nic:1:model': vlan ? nic : undefined,
          'nic:1:vlan': vlan,
          'vnc:ip': 'auto',
          'vnc:password': options.vncPassword,
          'vnc:tls': options.vncTls ? 'on' : undefined,
          // Labels as `user:` lines (docs/providers/cloudsigma.md#labels).
          ...labelFields(input.labels ?? {}),
          [MARKER_KEY]: marker,
          [IMAGE_KEY]: input.imageId,
        },
        'servers.create',
      );
      const server = answer.find((o) => o.server);
      // With insufficient funds the answer has no `server` key (docs/providers/cloudsigma.md#errors).
      if (!server)
        throw new ProviderError(
          'CloudSigma created no server (its answer names none; check the account balance).',
          {
            retryable: false,
          },
        );
      return { status: 'done', nativeId: server.server!, providerStatus: server.status ?? undefined };
    },
  };

  const idOf = (ctx: StepContext) => ctx.nativeId!;
  const power = input.powerOn
    ? [
        startStep(context, 'start', idOf),
        waitServer(context, 'wait-running', 'active', idOf, { whenMissing: 'fail' }),
      ]
    : [
        stopStep(context, 'stop', true, idOf),
        waitServer(context, 'wait-stopped', 'stopped', idOf, { whenMissing: 'fail' }),
      ];
  return {
    resourceType: ResourceType.Server,
    steps: [clone, waitClone, create, ...power],
    deadlineSeconds: CREATE_DEADLINE_S,
    reconcile: async (ctx) => {
      const id = ctx.nativeId ?? (await findServer());
      const server = id ? await readServer(context, id) : null;
      return statusOf(server) === (input.powerOn ? 'active' : 'stopped');
    },
    // No server holds the clone: destroy it rather than leave an orphan (libcloud does the same).
    onFailure: async (ctx) => {
      if (ctx.nativeId || (await findServer())) return;
      const driveId = (ctx.state.driveId as string | undefined) ?? (await findDrive());
      if (driveId) await client.action(drivePath(driveId, 'destroy'), 'drives.destroy');
    },
  };
}
