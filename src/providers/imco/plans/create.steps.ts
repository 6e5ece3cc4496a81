import { ValidationError } from '../../../common/errors/gateway-error';
import { ofType } from '../../kit/wire';
import type { OperationStep } from '../../ports/operation-plan';
import type { OperationRequest } from '../../ports/operations';
import { PATHS, seg } from '../client/http.client';
import { ImcoSubnet } from '../client/wire';
import type { ImFirewallProfile, ImServer, ImSshProfile } from '../client/wire.types';
import type { ServerCreateOptions } from '../imco.options';
import { stateIs } from '../model/states';
import type { ImcoContext } from './context';
import { createOnceStep } from './marker.steps';
import { chooseAccount, planOfSize, requirePlan, resolveImage } from './reads';
import { readyTemplate, type TemplateDraft, templateIsReady } from './template.steps';
import { lastServerError, waitState } from './wait.steps';

// The steps of a server create (docs/providers/imco.md#servers): everything is decided and saved before anything
// is made (`prepare`, `prepare-blueprint`), then the server is commissioned once and waited for.

/** What `prepare` decides, saved in the step state. */
export interface ServerDraft extends TemplateDraft {
  /** Public keys without an SSH profile yet. */
  keysToAdd: string[];
}

export const DRAFT_KEY = 'draft';

/** `type base64` of an OpenSSH public key, so that comments and spacing do not matter. */
export function keyIdentity(key: string | null | undefined): string {
  return (key ?? '').trim().split(/\s+/).slice(0, 2).join(' ');
}

async function firewallProfile(ctx: ImcoContext, explicit: string | undefined): Promise<string | undefined> {
  if (explicit) return explicit;
  const profiles = await ctx.client.list<ImFirewallProfile>(
    '/network/firewall_profiles',
    'firewall_profiles.list',
  );
  // Sent explicitly (IMCO's CLI requires it: docs/providers/imco.md#servers); IMCO would pick the default.
  return (profiles.find((p) => p.default === true) ?? profiles[0])?.id;
}

async function subnetOf(ctx: ImcoContext, vpcId: string): Promise<string> {
  const subnets = ofType(
    await ctx.client.list<unknown>(`/network/vpcs/${seg(vpcId)}/subnets`, 'subnets.list'),
    ImcoSubnet,
  );
  const usable = subnets.find((s) => (s.state ?? 'active') === 'active' && !s.server_creation_disabled);
  if (!usable)
    throw new ValidationError('The network (VPC) has no subnet that accepts servers.', [
      { field: 'networkIds', message: 'no usable subnet in this VPC; give providerOptions.subnetId' },
    ]);
  return usable.id;
}

/** Validation that needs no backend call (the API answers 400 at once). */
export function checkServerCreate(request: OperationRequest<'server.create'>): void {
  const input = request.input;
  if (!input.planId && (input.cpuCores === undefined || input.memoryMb === undefined)) {
    throw new ValidationError(
      'IMCO needs a server plan: give planId, or cpuCores and memoryMb of an existing plan.',
      [{ field: 'planId', message: 'is required on IMCO unless cpuCores and memoryMb match a plan' }],
    );
  }
  if ((input.networkIds?.length ?? 0) > 1) {
    throw new ValidationError('An IMCO server sits in one subnet of one network (VPC).', [
      { field: 'networkIds', message: 'at most one network on IMCO' },
    ]);
  }
}

export function prepareServerStep(
  ctx: ImcoContext,
  request: OperationRequest<'server.create'>,
): OperationStep {
  const input = request.input;
  const options = input.providerOptions as ServerCreateOptions;
  return {
    name: 'prepare',
    async run(step) {
      const plan = input.planId
        ? await requirePlan(ctx, input.planId)
        : await planOfSize(ctx, input.cpuCores!, input.memoryMb!, input.locationId);
      if (input.locationId && plan.realm_id && plan.realm_id !== input.locationId)
        throw new ValidationError('The plan belongs to another location (realm).', [
          { field: 'locationId', message: "does not match the plan's realm" },
        ]);
      const account = await chooseAccount(ctx, {
        explicit: options.cloudAccountId,
        providerId: plan.cloud_provider_id,
        field: 'providerOptions.cloudAccountId',
      });
      const image = await resolveImage(ctx, input.imageId);
      const profiles = await ctx.client.list<ImSshProfile>('/cloud/ssh_profiles', 'ssh_profiles.list');
      const keys = (input.sshPublicKeys ?? []).map(keyIdentity);
      const known = keys.map((key) => profiles.find((p) => keyIdentity(p.public_key) === key)?.id);
      // `sshKeyIds` are SSH profiles the caller made through the gateway (docs/providers/imco.md#ssh-keys).
      const missing = (input.sshKeyIds ?? []).filter((id) => !profiles.some((p) => p.id === id));
      if (missing.length)
        throw new ValidationError(`IMCO has no SSH profile ${missing.join(', ')}.`, [
          { field: 'sshKeyIds', message: 'no such SSH key on this connection' },
        ]);
      const sshIds = [
        ...new Set([
          ...(options.sshProfileIds ?? []),
          ...(input.sshKeyIds ?? []),
          ...known.filter((id): id is string => !!id),
        ]),
      ];
      // Nothing given at all: the first profile of the account, as IMCO's CLI insists on one.
      if (!sshIds.length && !keys.length && profiles[0]) sshIds.push(profiles[0].id);
      const subnetId =
        options.subnetId ?? (input.networkIds?.[0] ? await subnetOf(ctx, input.networkIds[0]) : undefined);
      const draft: ServerDraft = {
        body: {
          name: input.name,
          server_plan_id: plan.id,
          cloud_account_id: account.id,
          firewall_profile_id: await firewallProfile(ctx, options.firewallProfileId),
          ssh_profile_ids: sshIds,
          ...(subnetId ? { subnet_id: subnetId } : {}),
          ...(options.privateness !== undefined ? { privateness: options.privateness } : {}),
          ...('template' in image && templateIsReady(image.template)
            ? { template_id: image.template.id }
            : {}),
        },
        genericImage:
          'genericImage' in image
            ? { id: image.genericImage.id, name: image.genericImage.name ?? image.genericImage.id }
            : undefined,
        // A named template that cannot be built from yet is readied (compiled) by the next step.
        template:
          'template' in image && !templateIsReady(image.template) ? { id: image.template.id } : undefined,
        keysToAdd: keys.filter((_, i) => !known[i]),
      };
      step.state[DRAFT_KEY] = draft;
      return { status: 'done' };
    },
  };
}

/**
 * Finds or makes what the draft still lacks: a ready template (made for a generic image, compiled when needed),
 * SSH profiles for new public keys. Each is looked up before it is made, so running this step again after a crash
 * makes nothing twice.
 */
export function blueprintStep(ctx: ImcoContext, request: OperationRequest<'server.create'>): OperationStep {
  return {
    name: 'prepare-blueprint',
    async run(step) {
      const draft = step.state[DRAFT_KEY] as ServerDraft;
      const waiting = await readyTemplate(ctx, step, draft);
      if (waiting) return waiting;
      if (draft.keysToAdd.length) {
        const profiles = await ctx.client.list<ImSshProfile>('/cloud/ssh_profiles', 'ssh_profiles.list');
        const ids = draft.body.ssh_profile_ids as string[];
        for (const [index, key] of draft.keysToAdd.entries()) {
          const found = profiles.find((p) => keyIdentity(p.public_key) === key);
          const made =
            found ??
            (await ctx.client.send<ImSshProfile>('POST', '/cloud/ssh_profiles', 'ssh_profiles.create', {
              name: `${request.input.name}-key-${index + 1}`,
              public_key: key,
            }));
          if (made) ids.push(made.id);
        }
        draft.keysToAdd = [];
      }
      // v2 knows only the single (first) profile; v3 takes the array as well.
      draft.body.ssh_profile_id = (draft.body.ssh_profile_ids as string[])[0];
      return { status: 'done' };
    },
  };
}

/** `POST /cloud/servers` with the draft's body and the task's marker, once (adopted when resumed). */
export function commissionStep(
  ctx: ImcoContext,
  request: OperationRequest<'server.create'>,
  list: () => Promise<Array<{ id: string; name?: string | null; label_ids?: string[] | null }>>,
): OperationStep {
  const options = request.input.providerOptions as ServerCreateOptions;
  return createOnceStep(ctx, {
    name: 'commission',
    noun: 'server',
    path: PATHS.servers,
    operation: 'servers.commission',
    resourceName: request.input.name,
    labelIds: options.labelIds,
    body: (step) => (step.state[DRAFT_KEY] as ServerDraft).body,
    list,
  });
}

/** Until commissioning ends; `commission_stalled` fails the task with the cause from the server's events. */
export function waitCommissioned(ctx: ImcoContext): OperationStep {
  return waitState<ImServer>(ctx, {
    name: 'wait-commissioned',
    reader: ctx.polled.servers,
    // IMCO might boot on its own after commissioning: any later state also means commissioned.
    done: (server) => !stateIs(server, 'commissioning'),
    failed: async (server) => {
      if (!stateIs(server, 'commission_stalled')) return null;
      const cause = await lastServerError(ctx, server.id);
      return `IMCO could not commission the server${cause ? ` (${cause})` : ''}.`;
    },
    whenMissing: 'wait',
  });
}
