import { ConflictError, ProviderError } from '../../../common/errors/gateway-error';
import { ofType } from '../../kit/wire';
import type { StepContext, StepOutcome } from '../../ports/operation-plan';
import { seg } from '../client/http.client';
import { ImcoTemplate } from '../client/wire';
import type { ImTemplate } from '../client/wire.types';
import { stateIs, templatePhase } from '../model/states';
import type { ImcoContext } from './context';
import { later } from './wait.steps';

// A server is built from a ready template (docs/providers/imco.md#templates): these steps find, make and compile
// the template a server create needs, looking at its state before every act.

/** A template being readied for the server, remembered across runs of `prepare-blueprint`. */
export interface TemplateProgress {
  id: string;
  /** Set before `PUT .../compile` is sent: later runs wait instead of asking again (unless resumed). */
  compileAsked?: boolean;
}

/** The part of a server draft about its template, saved in the step state. */
export interface TemplateDraft {
  body: Record<string, unknown>;
  /** A generic image that needs a template made (or found) for it. */
  genericImage?: { id: string; name: string };
  /** The template found, made or named, until it is `ready` and `body.template_id` names it. */
  template?: TemplateProgress;
}

const TEMPLATES = '/blueprint/templates';

/** A template without a state (older platforms may send none) is taken as usable: a create would say if not. */
export function templateIsReady(template: ImTemplate): boolean {
  return !template.state || templatePhase(template.state) === 'ready';
}

/** The template made earlier for this generic image (a usable one first), or a new one, `created`. */
async function findOrMakeTemplate(
  ctx: ImcoContext,
  image: NonNullable<TemplateDraft['genericImage']>,
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
 * Readies the draft's template (docs/providers/imco.md#templates): found or made for a generic image, or named
 * by the caller; compiled once when `created`; waited for through `compiling` (and any state this adapter does
 * not know); failed at `compiling_error`. Answers a wait, or null once `body.template_id` names a ready template.
 */
export async function readyTemplate(
  ctx: ImcoContext,
  step: StepContext,
  draft: TemplateDraft,
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
