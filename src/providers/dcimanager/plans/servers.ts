import { UnsupportedOperationError, ValidationError } from '../../../common/errors/gateway-error';
import { ResourceType } from '../../../domain/states';
import { type Listed, mapListed, mapOne } from '../../kit/wire';
import { hasMarker } from '../../ports/markers';
import type { NativeServer } from '../../ports/native';
import type { OperationPlan, OperationStep, StepOutcome } from '../../ports/operation-plan';
import type { OperationRequest } from '../../ports/operations';
import type { ServerReader } from '../../ports/ports';
import { configurationOfPlan, isIntegerId } from '../client/codec.ids';
import { type DciServer, SERVER, beyondLimit } from '../client/wire';
import { NO_GRACEFUL_STOP } from '../dcimanager.actions';
import { NO_SSH_KEY_OBJECTS, NO_USER_DATA } from '../dcimanager.features';
import type { ServerCreateOptions, ServerRebuildOptions } from '../dcimanager.options';
import { displayName, noteOf, toServer } from '../model/mapper';
import { isBusy, powerStatusOf } from '../model/states';
import type { DcimanagerContext } from './context';
import {
  type CreateSpec,
  type InstallSpec,
  assignStep,
  chooseStep,
  ensureIpStep,
  installStep,
  releaseChosen,
  waitIpStep,
} from './create.steps';
import { releaseStep, wipeStep } from './delete.steps';
import { powerStep, RELEASED } from './power.steps';
import { waitOperation, waitPower } from './wait.steps';

const CREATE_DEADLINE_S = 90 * 60;
const DELETE_DEADLINE_S = 3 * 60 * 60;
const POWER_DEADLINE_S = 10 * 60;
const NAME_LIMIT = 200;

/**
 * The core answers 501 for request parts the adapter's `features` lack before planning; the planners refuse them
 * too rather than drop them silently (docs/providers/dcimanager.md#user-data, docs/providers/dcimanager.md#ssh-keys).
 */
function refuseMissingFeatures(
  connection: string,
  operation: string,
  input: { userData?: string; sshKeyIds?: string[] },
): void {
  if (input.userData !== undefined)
    throw new UnsupportedOperationError(connection, `${operation} with userData`, NO_USER_DATA);
  if (input.sshKeyIds?.length)
    throw new UnsupportedOperationError(connection, `${operation} with sshKeyIds`, NO_SSH_KEY_OBJECTS);
}

/** A delete step with nothing to do once the first found the server already given back (see powerStep). */
function unlessReleased(step: OperationStep): OperationStep {
  const released: StepOutcome = { status: 'done', providerStatus: 'released' };
  return { ...step, run: (ctx) => (ctx.state[RELEASED] ? Promise.resolve(released) : step.run(ctx)) };
}

/**
 * Servers = physical servers assigned to the connection's owner (docs/providers/dcimanager.md#the-gateway-model).
 * Create takes one from stock, delete gives it back; power is hard on/off/reset through the BMC, so a graceful
 * stop is refused (501) rather than faked (docs/providers/dcimanager.md#power-commands).
 */
export class DcimanagerServers implements ServerReader {
  constructor(private readonly context: DcimanagerContext) {}

  private get reads() {
    return this.context.reads;
  }

  /** The owner's servers: one that is malformed is left out with its reason; the others are listed. */
  async list(): Promise<Listed<NativeServer>> {
    const max = this.context.maxListItems;
    const [answer] = await Promise.all([this.reads.ownedServersRaw(), this.reads.prepareNetworks()]);
    const toOne = (raw: DciServer) => toServer(this.context.map, raw);
    const { items, skipped } = await mapListed(answer.items, SERVER, toOne, { maxItems: max });
    return { items, skipped: [...skipped, ...beyondLimit(answer, max, 'servers of this owner')] };
  }

  async get(nativeId: string): Promise<NativeServer | null> {
    const [raw] = await Promise.all([this.reads.ownedServerRaw(nativeId), this.reads.prepareNetworks()]);
    return raw ? mapOne(raw, SERVER, (server) => toServer(this.context.map, server)) : null;
  }

  create(request: OperationRequest<'server.create'>): OperationPlan {
    const input = request.input;
    const options = input.providerOptions as ServerCreateOptions;
    const invalid = (field: string, message: string, detail: string) =>
      new ValidationError(detail, [{ field, message }]);
    refuseMissingFeatures(this.context.connection, 'server.create', input);
    if (input.cpuCores !== undefined || input.memoryMb !== undefined)
      throw invalid(
        'cpuCores',
        'not available on bare metal',
        'DCImanager sells fixed hardware configurations: give planId.',
      );
    if (!input.planId)
      throw invalid(
        'planId',
        'is required on DCImanager',
        'Choose a hardware configuration (planId) from GET /v1/providers/{name}/plans.',
      );
    if (input.networkIds?.length)
      throw invalid(
        'networkIds',
        'not available on DCImanager',
        'A server is not placed in networks at creation; allocate addresses with POST /v1/ips afterwards.',
      );
    if (!isIntegerId(input.imageId))
      throw invalid('imageId', 'is not a DCImanager OS template id', 'Unknown image.');
    if (input.locationId !== undefined && !isIntegerId(input.locationId))
      throw invalid('locationId', 'is not a DCImanager location id', 'Unknown location.');
    if (!options.password && !input.sshPublicKeys?.length)
      throw invalid(
        'sshPublicKeys',
        'give SSH keys or providerOptions.password',
        'The OS install needs SSH keys or a password to let you in.',
      );
    // The configuration goes into a `where` filter, whose quoting DCImanager does not document.
    if (/['\\]/.test(configurationOfPlan(input.planId)))
      throw invalid(
        'planId',
        'holds a quote or backslash',
        'This configuration cannot be looked up in DCImanager.',
      );
    if (input.name.length > NAME_LIMIT)
      throw invalid('name', `at most ${NAME_LIMIT} characters`, 'The name is too long.');
    const spec: CreateSpec = {
      name: input.name,
      configuration: configurationOfPlan(input.planId),
      locationId: input.locationId,
      imageId: input.imageId,
      sshPublicKeys: input.sshPublicKeys ?? [],
      password: options.password,
      hddRaid: options.hddRaid,
      ipPoolId: options.ipPoolId,
    };
    const image = Number(input.imageId);
    const power = input.powerOn
      ? [powerStep(this.context, 'power_on'), waitPower(this.context, 'wait-running', 'on')]
      : [
          powerStep(this.context, 'power_off', true),
          waitPower(this.context, 'wait-stopped', 'off', 'power_offSent'),
        ];
    return {
      resourceType: ResourceType.Server,
      steps: [
        chooseStep(this.context, spec),
        assignStep(this.context, spec),
        ensureIpStep(this.context, spec),
        waitIpStep(this.context),
        installStep(this.context, spec),
        waitOperation(this.context, 'wait-installed', {
          stateKey: 'osOperation',
          label: 'OS installation',
          satisfied: (raw) => raw.os_template?.id === image,
        }),
        ...power,
      ],
      deadlineSeconds: CREATE_DEADLINE_S,
      reconcile: async (ctx) => {
        const raw = ctx.nativeId ? await this.reads.ownedServer(ctx.nativeId) : null;
        return (
          !!raw &&
          hasMarker(noteOf(raw), ctx.taskId) &&
          raw.os_template?.id === image &&
          !isBusy(raw) &&
          powerStatusOf(raw) === (input.powerOn ? 'on' : 'off')
        );
      },
      onFailure: (ctx) => releaseChosen(this.context, ctx),
    };
  }

  /**
   * Reinstalls the server from `imageId` with `operation_os`, keeping its id, owner, name and addresses; then makes
   * sure it runs (docs/providers/dcimanager.md#rebuild). Keys go with the install only: DCImanager keeps no key
   * objects, and takes no user-data.
   */
  rebuild(request: OperationRequest<'server.rebuild'>): OperationPlan {
    const input = request.input;
    const options = input.providerOptions as ServerRebuildOptions;
    refuseMissingFeatures(this.context.connection, 'server.rebuild', input);
    if (!isIntegerId(input.imageId))
      throw new ValidationError('Unknown image.', [
        { field: 'imageId', message: 'is not a DCImanager OS template id' },
      ]);
    if (!options.password && !input.sshPublicKeys?.length)
      throw new ValidationError('The OS install needs SSH keys or a password to let you in.', [
        { field: 'sshPublicKeys', message: 'give SSH keys or providerOptions.password' },
      ]);
    const spec: InstallSpec = {
      imageId: input.imageId,
      sshPublicKeys: input.sshPublicKeys ?? [],
      password: options.password,
      hddRaid: options.hddRaid,
    };
    const image = Number(input.imageId);
    return {
      resourceType: ResourceType.Server,
      steps: [
        installStep(this.context, spec, { needsMainIp: true }),
        waitOperation(this.context, 'wait-installed', {
          stateKey: 'osOperation',
          label: 'OS installation',
          satisfied: (raw) => raw.os_template?.id === image,
          // The image may be the one already installed: only the install seen running (or ended) counts.
          mustSeeRunning: true,
        }),
        powerStep(this.context, 'power_on'),
        waitPower(this.context, 'wait-running', 'on'),
      ],
      deadlineSeconds: CREATE_DEADLINE_S,
      // The server looked the same before a rebuild from the same image: only an answered install counts.
      effectStep: 'install-os',
      reconcile: async (ctx) => {
        const raw = await this.reads.ownedServer(ctx.nativeId!);
        return !!raw && raw.os_template?.id === image && !isBusy(raw) && powerStatusOf(raw) === 'on';
      },
    };
  }

  start(_request: OperationRequest<'server.start'>): OperationPlan {
    return this.power(
      [powerStep(this.context, 'power_on'), waitPower(this.context, 'wait-running', 'on')],
      'on',
    );
  }

  stop(request: OperationRequest<'server.stop'>): OperationPlan {
    if (!request.input.force) {
      throw new UnsupportedOperationError(
        this.context.connection,
        'server.stop with force: false',
        NO_GRACEFUL_STOP,
      );
    }
    return this.power(
      [powerStep(this.context, 'power_off'), waitPower(this.context, 'wait-stopped', 'off')],
      'off',
    );
  }

  reboot(_request: OperationRequest<'server.reboot'>): OperationPlan {
    const plan = this.power(
      [powerStep(this.context, 'power_reset'), waitPower(this.context, 'wait-running', 'on')],
      'on',
    );
    // A server that runs again looks as it did before: only an answered reset call counts
    // (docs/providers/dcimanager.md#power-commands).
    return { ...plan, effectStep: 'power-reset' };
  }

  rename(request: OperationRequest<'server.rename'>): OperationPlan {
    const { name } = request.input;
    if (name.length > NAME_LIMIT)
      throw new ValidationError('The name is too long.', [
        { field: 'name', message: `at most ${NAME_LIMIT} characters` },
      ]);
    return {
      resourceType: ResourceType.Server,
      steps: [
        {
          name: 'rename',
          run: async (ctx) => {
            const raw = await this.reads.requireOwned(ctx.nativeId!);
            await this.context.client.mutate('POST', `/dci/v3/server/${raw.id}`, 'server.edit', {
              user_note: name,
            });
            return { status: 'done', providerStatus: 'renamed' };
          },
        },
      ],
      deadlineSeconds: POWER_DEADLINE_S,
      reconcile: async (ctx) => {
        const raw = await this.reads.ownedServer(ctx.nativeId!);
        return !!raw && displayName(raw) === name;
      },
    };
  }

  /** Power off, wipe the disks (`wipeOnDelete`), clear the name and give the server back to stock. */
  delete(_request: OperationRequest<'server.delete'>): OperationPlan {
    const mode = this.context.wipeOnDelete;
    const wipe: OperationStep[] =
      mode === 'none'
        ? []
        : [
            wipeStep(this.context),
            waitOperation(this.context, 'wait-wiped', { stateKey: 'wipeOperation', label: 'disk wipe' }),
          ];
    return {
      resourceType: ResourceType.Server,
      steps: [
        powerStep(this.context, 'power_off', true),
        ...[waitPower(this.context, 'wait-stopped', 'off', 'power_offSent'), ...wipe].map(unlessReleased),
        releaseStep(this.context),
      ],
      deadlineSeconds: DELETE_DEADLINE_S,
      reconcile: async (ctx) => !this.reads.isOwned(await this.reads.rawServer(ctx.nativeId!)),
    };
  }

  private power(steps: OperationStep[], target: 'on' | 'off'): OperationPlan {
    return {
      resourceType: ResourceType.Server,
      steps,
      deadlineSeconds: POWER_DEADLINE_S,
      reconcile: async (ctx) => {
        const raw = await this.reads.ownedServer(ctx.nativeId!);
        return !!raw && !isBusy(raw) && powerStatusOf(raw) === target;
      },
    };
  }
}
