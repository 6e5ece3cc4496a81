import { ConflictError, NotFoundError, ValidationError } from '../../../common/errors/gateway-error';
import { parsePublicKey } from '../../../common/ssh/public-key';
import { ResourceType } from '../../../domain/states';
import { type Listed, mapListed, mapOne } from '../../kit/wire';
import type { NativeSshKey } from '../../ports/native';
import type { OperationPlan } from '../../ports/operation-plan';
import type { OperationRequest } from '../../ports/operations';
import type { SshKeyReader } from '../../ports/ports';
import { PATHS, seg } from '../client/http.client';
import { ImcoSshProfile } from '../client/wire';
import type { ImServer, ImSshProfile } from '../client/wire.types';
import { toSshKey } from '../model/mapper';
import type { ImcoContext } from './context';
import { adoptCreated, createOnceStep, markables, markStep } from './marker.steps';

// SSH keys are IMCO SSH profiles (docs/providers/imco.md#ssh-keys): `name` and `public_key`, no state, made and
// removed at once. A server create takes them in `ssh_profile_ids`.

const PROFILES = '/cloud/ssh_profiles';
const DEADLINE_S = 300;
/** Longest profile name the gateway sends (IMCO states none: [U]). */
const MAX_NAME = 255;

/** The account's SSH profiles. */
export class ImcoSshKeyReader implements SshKeyReader {
  constructor(private readonly context: ImcoContext) {}

  async list(): Promise<Listed<NativeSshKey>> {
    return mapListed(
      await this.context.client.list<unknown>(PROFILES, 'ssh_profiles.list'),
      ImcoSshProfile,
      toSshKey,
      this.context.limits,
    );
  }

  async get(nativeId: string): Promise<NativeSshKey | null> {
    const profile = await this.context.client.get<unknown>(
      `${PROFILES}/${seg(nativeId)}`,
      'ssh_profiles.get',
    );
    return profile ? mapOne(profile, ImcoSshProfile, toSshKey) : null;
  }
}

/** The SSH key operations: create (crash-safe, by the task's marker label) and delete. */
export class ImcoSshKeyPlans {
  constructor(private readonly context: ImcoContext) {}

  /**
   * `POST /cloud/ssh_profiles` once: the profile carries the task's marker label, so a create resumed after a
   * crash adopts the profile it made instead of making a second one.
   */
  create(request: OperationRequest<'sshKey.create'>): OperationPlan {
    const name = request.input.name.trim();
    const publicKey = request.input.publicKey.trim();
    if (!name || name.length > MAX_NAME)
      throw new ValidationError(`An IMCO SSH profile needs a name of 1 to ${MAX_NAME} characters.`, [
        { field: 'name', message: `must be 1 to ${MAX_NAME} characters` },
      ]);
    if (!parsePublicKey(publicKey))
      throw new ValidationError('IMCO takes an OpenSSH public key (`<type> <base64> [comment]`).', [
        { field: 'publicKey', message: 'is not an OpenSSH public key' },
      ]);
    const list = markables(this.context, PROFILES, 'ssh_profiles.list');
    return {
      resourceType: ResourceType.SshKey,
      steps: [
        markStep(this.context, request.taskId, list, () => name),
        createOnceStep(this.context, {
          name: 'create-profile',
          noun: 'SSH profile',
          path: PROFILES,
          operation: 'ssh_profiles.create',
          resourceName: name,
          body: () => ({ name, public_key: publicKey }),
          list,
          madeStatus: 'created',
        }),
      ],
      deadlineSeconds: DEADLINE_S,
      reconcile: async (step) => {
        const id = step.nativeId ?? (await adoptCreated(step, 'SSH profiles', list, name));
        return !!id && !!(await this.read(id));
      },
    };
  }

  /**
   * `DELETE /cloud/ssh_profiles/{id}`; done when the profile is gone already. A profile a server still names is
   * refused before the call (409): what IMCO does then is [U].
   */
  delete(_request: OperationRequest<'sshKey.delete'>): OperationPlan {
    return {
      resourceType: ResourceType.SshKey,
      steps: [
        {
          name: 'delete',
          run: async (step) => {
            const id = step.nativeId!;
            if (!(await this.read(id))) return { status: 'done', providerStatus: 'deleted' };
            // Read unchecked: a server that fails its checks still counts when it names the profile.
            const servers = await this.context.client.list<unknown>(PATHS.servers, 'servers.list');
            const users = servers.filter((server) => {
              const raw = server as Pick<ImServer, 'ssh_profile_id' | 'ssh_profile_ids'> | null;
              return (
                raw?.ssh_profile_id === id ||
                (Array.isArray(raw?.ssh_profile_ids) && raw.ssh_profile_ids.includes(id))
              );
            });
            if (users.length)
              throw new ConflictError(
                `The SSH key is used by ${users.length} IMCO server(s); delete them, or keep the key.`,
              );
            try {
              await this.context.client.send('DELETE', `${PROFILES}/${seg(id)}`, 'ssh_profiles.delete');
            } catch (error) {
              if (!(error instanceof NotFoundError)) throw error;
            }
            return { status: 'done', providerStatus: 'deleted' };
          },
        },
      ],
      deadlineSeconds: DEADLINE_S,
      reconcile: async (step) => !(await this.read(step.nativeId!)),
    };
  }

  private read(id: string): Promise<ImSshProfile | null> {
    return this.context.client.get<ImSshProfile>(
      `${PROFILES}/${seg(id)}`,
      'ssh_profiles.get',
      ImcoSshProfile,
    );
  }
}
