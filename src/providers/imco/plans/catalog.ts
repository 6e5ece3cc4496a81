import { cleanText, ofType } from '../../kit/wire';
import type { NativeImage, NativeLocation, NativePlan } from '../../ports/native';
import type { CatalogPort } from '../../ports/ports';
import { ImcoGenericImage, ImcoTemplate } from '../client/wire';
import { toGenericImage, toLocation, toPlan, toTemplateImage } from '../model/mapper';
import type { ImcoContext } from './context';
import { allRealms, plansOf } from './reads';

/** Catalog entries as shown: names cleaned and bounded like resource names, at most `maxListItems`. */
function shown<T extends { name: string }>(ctx: ImcoContext, entries: T[]): T[] {
  return entries.slice(0, ctx.limits.maxItems).map((entry) => ({ ...entry, name: cleanText(entry.name) }));
}

/**
 * Templates and generic images → images; server plans of every realm of the account's providers → plans; those
 * realms → locations (docs/providers/imco.md#cloud-accounts-realms-and-plans). Catalog items that fail their
 * checks (client/wire.ts) are left out.
 */
export class ImcoCatalog implements CatalogPort {
  constructor(private readonly context: ImcoContext) {}

  async images(): Promise<NativeImage[]> {
    const [templates, generic] = await Promise.all([
      this.context.client.list<unknown>('/blueprint/templates', 'templates.list'),
      this.context.client.list<unknown>('/cloud/generic_images', 'generic_images.list'),
    ]);
    const images = ofType(generic, ImcoGenericImage);
    return shown(this.context, [
      ...ofType(templates, ImcoTemplate).map((template) => toTemplateImage(template, images)),
      ...images.map((image) => toGenericImage(image)),
    ]);
  }

  async plans(): Promise<NativePlan[]> {
    const realms = (await allRealms(this.context)).filter((realm) => !realm.deprecated);
    const lists = await Promise.all(realms.map((realm) => plansOf(this.context, realm)));
    const plans = lists.flat();
    for (const plan of plans) this.context.serverPlans.remember(plan);
    return shown(
      this.context,
      plans.map((plan) => toPlan(plan)),
    );
  }

  async locations(): Promise<NativeLocation[]> {
    return shown(
      this.context,
      (await allRealms(this.context)).map((realm) => toLocation(realm)),
    );
  }
}
