import { ValidationError } from '../../common/errors/gateway-error';
import type { OperationRequest } from '../ports/operations';
import type { OperationStep } from '../ports/operation-plan';
import { seg } from './imco-http.client';
import { chooseAccount, planOfSize, requirePlan, resolveImage } from './imco-lookups';
import type { ImcoContext } from './imco.context';
import type { ServerCreateOptions } from './imco.options';
import type { ImFirewallProfile, ImSshProfile, ImSubnet, ImTemplate } from './imco.types';

// The "choose" steps of a server create: everything is decided and saved before anything is made.

/** What `prepare` decides, saved in the step state. */
export interface ServerDraft {
  body: Record<string, unknown>;
  /** A generic image that needs a template made (or found) for it. */
  genericImage?: { id: string; name: string };
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
  // Sent explicitly (CIO 0.15 requires it); IMCO would pick the account default itself.
  return (profiles.find((p) => p.default === true) ?? profiles[0])?.id;
}

async function subnetOf(ctx: ImcoContext, vpcId: string): Promise<string> {
  const subnets = await ctx.client.list<ImSubnet>(`/network/vpcs/${seg(vpcId)}/subnets`, 'subnets.list');
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
      const sshIds = [...(options.sshProfileIds ?? []), ...known.filter((id): id is string => !!id)];
      // Nothing given at all: the first profile of the account, as CIO 0.15 insists on one.
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
          ...('template' in image ? { template_id: image.template.id } : {}),
        },
        genericImage:
          'genericImage' in image
            ? { id: image.genericImage.id, name: image.genericImage.name ?? image.genericImage.id }
            : undefined,
        keysToAdd: keys.filter((_, i) => !known[i]),
      };
      step.state[DRAFT_KEY] = draft;
      return { status: 'done' };
    },
  };
}

/**
 * Finds or makes what the draft still lacks: a template for a generic image, SSH profiles for new public keys.
 * Each is looked up before it is made, so running this step again after a crash makes nothing twice.
 */
export function blueprintStep(ctx: ImcoContext, request: OperationRequest<'server.create'>): OperationStep {
  return {
    name: 'prepare-blueprint',
    async run(step) {
      const draft = step.state[DRAFT_KEY] as ServerDraft;
      if (draft.genericImage && !draft.body.template_id) {
        const { id, name } = draft.genericImage;
        const templates = await ctx.client.list<ImTemplate>('/blueprint/templates', 'templates.list');
        let template = templates.find((t) => t.generic_image_id === id && t.name === name);
        template ??=
          (await ctx.client.send<ImTemplate>('POST', '/blueprint/templates', 'templates.create', {
            name,
            generic_image_id: id,
          })) ?? undefined;
        if (!template)
          return { status: 'wait', delayMs: ctx.backoff.initialMs, providerStatus: 'template-pending' };
        if (template.state && template.state !== 'compiled')
          return {
            status: 'wait',
            delayMs: ctx.backoff.initialMs,
            providerStatus: `template-${template.state}`,
          };
        draft.body.template_id = template.id;
      }
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
