import { ConflictError, ValidationError } from '../../../common/errors/gateway-error';
import { parsePublicKey } from '../../../common/ssh/public-key';
import { ResourceType } from '../../../domain/states';
import { waitFor } from '../../kit/polling';
import { type Listed, mapListed, mapOne } from '../../kit/wire';
import type { NativeSshKey } from '../../ports/native';
import type { OperationPlan, OperationStep, StepOutcome } from '../../ports/operation-plan';
import type { OperationRequest } from '../../ports/operations';
import type { SshKeyReader } from '../../ports/ports';
import { type CmSshKey, SSH_KEY } from '../client/wire';
import { toSshKey } from '../model/mapper';
import { md5Fingerprint, sameFingerprint, SSH_KEY_NAME } from '../model/ssh-key';
import { callStep } from './call.steps';
import type { CloudmcContext } from './context';
import { waitTask, waitTaskStep } from './wait.steps';

// SSH keys = CloudMC `sshkeys`, addressed by name: the name is the native id (docs/providers/cloudmc.md#ssh-keys).

const ENTITY = 'sshkeys';
const DEADLINE_S = 300;

/** The name of an unchecked list item, for the reasons of the ones left out. */
const nameOf = (raw: unknown): string | null => {
  const name = (raw as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name.slice(0, 64) : null;
};

export class CloudmcSshKeyReader implements SshKeyReader {
  constructor(private readonly context: CloudmcContext) {}

  async list(): Promise<Listed<NativeSshKey>> {
    return mapListed(
      await this.context.client.list(ENTITY),
      SSH_KEY,
      toSshKey,
      { maxItems: this.context.maxListItems },
      nameOf,
    );
  }

  async get(nativeId: string): Promise<NativeSshKey | null> {
    const key = await this.context.client.get(ENTITY, nativeId);
    return key === null ? null : mapOne(key, SSH_KEY, toSshKey);
  }
}

/** A step whose outcome names the key (its name is its id, known before any call). */
function naming(step: OperationStep, name: string): OperationStep {
  return {
    ...step,
    run: async (ctx): Promise<StepOutcome> => ({ ...(await step.run(ctx)), nativeId: name }),
  };
}

/** The SSH key operations' plans. */
export class CloudmcSshKeyPlans {
  constructor(private readonly context: CloudmcContext) {}

  private find(name: string): Promise<CmSshKey | null> {
    return this.context.client.getOf(ENTITY, name, SSH_KEY);
  }

  /**
   * `POST /sshkeys {name, publicKey}`. CloudMC has no idempotency key and a key cannot carry a marker (its name
   * is its id), so the name and the fingerprint do it: `check-name` refuses a name already taken before any
   * call, and a resumed `create-key` that finds the name with this key's fingerprint takes it as its own
   * (docs/providers/cloudmc.md#ssh-keys).
   */
  create(request: OperationRequest<'sshKey.create'>): OperationPlan {
    const { name, publicKey } = request.input;
    if (!SSH_KEY_NAME.test(name)) {
      throw new ValidationError('CloudMC addresses SSH keys by name, so the name must be usable as an id.', [
        {
          field: 'name',
          message: "must be 1 to 200 letters, digits, '.', '_', '~' or '-' on CloudMC (not '.' or '..')",
        },
      ]);
    }
    const fingerprint = parsePublicKey(publicKey) ? md5Fingerprint(publicKey) : null;
    if (!fingerprint) {
      throw new ValidationError('The public key is not an OpenSSH public key.', [
        { field: 'publicKey', message: 'must be an OpenSSH public key line (`<type> <base64> [comment]`)' },
      ]);
    }
    // No fingerprint on the key read back: nothing contradicts it being the one this task registered.
    const ours = (key: CmSshKey) => !key.fingerprint || sameFingerprint(key.fingerprint, fingerprint);
    const taken = () =>
      new ConflictError(`CloudMC already has an SSH key named '${name}'; choose another name.`, {
        errors: [{ field: 'name', message: 'is taken by another SSH key of this connection' }],
      });
    const checkName: OperationStep = {
      name: 'check-name',
      run: async () => {
        if (await this.find(name)) throw taken();
        return { status: 'done' };
      },
    };
    const create = callStep(
      'create-key',
      async (ctx) => {
        if (ctx.resumed) {
          const found = await this.find(name);
          if (found && ours(found)) return { taskId: null, taskStatus: null, data: { id: name } };
          if (found) throw taken();
        }
        return this.context.client.mutate('POST', ENTITY, { body: { name, publicKey: publicKey.trim() } });
      },
      { idempotent: false },
    );
    const waitCreate = waitTaskStep('wait-create-task', this.context, {
      whenForgotten: async () => {
        const found = await this.find(name);
        return !!found && ours(found);
      },
    });
    return {
      resourceType: ResourceType.SshKey,
      steps: [
        checkName,
        naming(create, name),
        naming(waitCreate, name),
        waitFor<CmSshKey>({
          name: 'wait-listed',
          read: () => this.find(name),
          done: () => true,
          whenMissing: 'wait',
          backoff: this.context.backoff,
          nativeId: () => name,
        }),
      ],
      deadlineSeconds: DEADLINE_S,
      reconcile: async () => {
        const found = await this.find(name);
        return !!found && ours(found);
      },
    };
  }

  /** `DELETE /sshkeys/:name`; done when the key is already gone. */
  delete(_request: OperationRequest<'sshKey.delete'>): OperationPlan {
    return {
      resourceType: ResourceType.SshKey,
      steps: [
        callStep('delete', async (ctx) =>
          (await this.find(ctx.nativeId!))
            ? this.context.client.mutate('DELETE', ENTITY, { id: ctx.nativeId! })
            : null,
        ),
        waitTask('wait-delete-task', this.context),
        waitFor<CmSshKey>({
          name: 'wait-deleted',
          read: (ctx) => this.find(ctx.nativeId!),
          done: () => false,
          whenMissing: 'done',
          backoff: this.context.backoff,
        }),
      ],
      deadlineSeconds: DEADLINE_S,
      reconcile: async (ctx) => !(await this.find(ctx.nativeId!)),
    };
  }
}
