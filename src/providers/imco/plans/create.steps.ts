import { ConflictError, ProviderError, ValidationError } from '../../common/errors/gateway-error';
import type { OperationRequest } from '../ports/operations';
import type { OperationStep, StepContext, StepOutcome } from '../ports/operation-plan';
import { seg } from './imco-http.client';
import { chooseAccount, planOfSize, requirePlan, resolveImage } from './imco-lookups';
import { stateIs, templatePhase } from './imco-states';
import { later } from './imco-wait.steps';
import type { ImcoContext } from './imco.context';
import { ImcoSubnet, ImcoTemplate } from './imco.wire';
import { ofType } from '../ports/wire';
import type { ServerCreateOptions } from './imco.options';
import type { ImFirewallProfile, ImSshProfile, ImTemplate } from './imco.types';

// The "choose" steps of a server create: everything is decided and saved before anything is made.

/** A template being readied for the server, remembered across runs of `prepare-blueprint`. */
export interface TemplateProgress {
  id: string;
  /** Set before `PUT .../compile` is sent: later runs wait instead of asking again (unless resumed). */
  compileAsked?: boolean;
}

/** What `prepare` decides, saved in the step state. */
export interface ServerDraft {
  body: Record<string, unknown>;
  /** A generic image that needs a template made (or found) for it. */
  genericImage?: { id: string; name: string };
  /** The template found, made or named, until it is `ready` and `body.template_id` names it. */
  template?: TemplateProgress;
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

const TEMPLATES = '/blueprint/templates';

/** A template without a state (older platforms may send none) is taken as usable: a create would say if not. */
function templateIsReady(template: ImTemplate): boolean {
  return !template.state || templatePhase(template.state) === 'ready';
}

/** The template made earlier for this generic image (a usable one first), or a new one, `created`. */
async function findOrMakeTemplate(
  ctx: ImcoContext,
  image: NonNullable<ServerDraft['genericImage']>,
): Promise<ImTemplate | null> {
  const templates = ofType(await ctx.client.list<unknown>(TEMPLATES, 'templates.list'), ImcoTemplate);
  const mine = templates.filter((t) => t.generic_image_id === image.id && t.name === image.name);
  const rank = (t: ImTemplate) => (templateIsReady(t) ? 0 : stateIs(t, 'compiling_error') ? 2 : 1);
  const found = mine.sort((a, b) => rank(a) - rank(b))[0];
  return (
    found ??
    (await ctx.client.send<ImTemplate>('POST', TEMPLATES, 'templates.create', {
      name: image.name,
      generic_image_id: image.id,
    }))
  );
}

/** `PUT .../compile`, remembered first, so that a lost or failed call is followed by a look, not a repeat. */
async function askCompile(
  ctx: ImcoContext,
  step: StepContext,
  progress: TemplateProgress,
): Promise<StepOutcome> {
  progress.compileAsked = true;
  const path = `${TEMPLATES}/${seg(progress.id)}`;
  let answer: ImTemplate | null;
  try {
    answer = await ctx.client.send<ImTemplate>('PUT', `${path}/compile`, 'templates.compile', {});
  } catch (error) {
    // Refused as a wrong-state transition: someone else asked first. Fine if it is compiling (or done) now.
    if (!(error instanceof ConflictError)) throw error;
    answer = await ctx.client.get<ImTemplate>(path, 'templates.get', ImcoTemplate);
    if (!answer?.state || !['compiling', 'ready'].includes(templatePhase(answer.state))) throw error;
  }
  return later(ctx, step, `template-${answer?.state ?? 'compiling'}`);
}

/**
 * Readies the draft's template (docs/providers/imco.md, "Templates"): found or made for a generic image, or named
 * by the caller; compiled once when `created`; waited for through `compiling` (and any state this adapter does
 * not know); failed at `compiling_error`. Answers a wait, or null once `body.template_id` names a ready template.
 */
async function readyTemplate(
  ctx: ImcoContext,
  step: StepContext,
  draft: ServerDraft,
): Promise<StepOutcome | null> {
  if (draft.body.template_id || (!draft.genericImage && !draft.template)) return null;
  // Always a fresh look before acting: the state decides, never what an earlier run believed.
  let template = draft.template
    ? await ctx.client.get<ImTemplate>(
        `${TEMPLATES}/${seg(draft.template.id)}`,
        'templates.get',
        ImcoTemplate,
      )
    : null;
  if (!template) {
    if (!draft.genericImage)
      throw new ProviderError(
        `IMCO template ${draft.template!.id} was deleted before a server could be made from it.`,
        { retryable: false },
      );
    template = await findOrMakeTemplate(ctx, draft.genericImage);
    if (!template) return later(ctx, step, 'template-pending');
    draft.template = { id: template.id };
  }
  const progress = draft.template!;
  const raw = template.state;
  const phase = raw ? templatePhase(raw, (state) => ctx.map.onUnknownState('template', state)) : 'ready';
  switch (phase) {
    case 'ready':
      draft.body.template_id = template.id;
      return null;
    case 'failed':
      throw new ProviderError(
        `IMCO could not compile template ${template.id} ('${template.name ?? ''}'): its state is ${raw}. ` +
          'Fix its run list or cookbook versions in IMCO and compile it again, or use another image.',
        { retryable: false },
      );
    case 'created':
      // Asked already and IMCO has not started: wait. A resumed run may have lost its call: ask again.
      if (progress.compileAsked && !step.resumed) return later(ctx, step, `template-${raw}`);
      return askCompile(ctx, step, progress);
    default:
      return later(ctx, step, `template-${raw}`);
  }
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
