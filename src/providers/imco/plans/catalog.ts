import type { Image, Location, Plan } from '../../domain/catalog.dto';
import type { CatalogPort } from '../ports/ports';
import { allRealms, plansOf } from './imco-lookups';
import type { ImcoContext } from './imco.context';
import { toGenericImage, toLocation, toPlan, toTemplateImage } from './imco.mapper';
import { cleanText } from '../ports/wire';
import { ImcoGenericImage, ImcoTemplate } from './imco.wire';
import { ofType } from '../ports/wire';

/** Catalog entries as shown: names cleaned and bounded like resource names, at most `maxListItems`. */
function shown<T extends { name: string }>(ctx: ImcoContext, entries: T[]): T[] {
  return entries.slice(0, ctx.limits.maxItems).map((entry) => ({ ...entry, name: cleanText(entry.name) }));
}

/**
 * Templates and generic images → images; server plans of every realm of the account's providers → plans; those
 * realms → locations. Catalog items that fail their checks (imco.wire.ts) are left out.
 */
export class ImcoCatalog implements CatalogPort {
  constructor(private readonly context: ImcoContext) {}

  async images(): Promise<Image[]> {
    const [templates, generic] = await Promise.all([
      this.context.client.list<unknown>('/blueprint/templates', 'templates.list'),
      this.context.client.list<unknown>('/cloud/generic_images', 'generic_images.list'),
    ]);
    const images = ofType(generic, ImcoGenericImage);
    return shown(this.context, [
      ...ofType(templates, ImcoTemplate).map((template) =>
        toTemplateImage(this.context.map, template, images),
      ),
      ...images.map((image) => toGenericImage(this.context.map, image)),
    ]);
  }

  async plans(): Promise<Plan[]> {
    const realms = (await allRealms(this.context)).filter((realm) => !realm.deprecated);
    const lists = await Promise.all(realms.map((realm) => plansOf(this.context, realm)));
    const plans = lists.flat();
    for (const plan of plans) this.context.plans.remember(plan);
    return shown(
      this.context,
      plans.map((plan) => toPlan(this.context.map, plan)),
    );
  }

  async locations(): Promise<Location[]> {
    return shown(
      this.context,
      (await allRealms(this.context)).map((realm) => toLocation(this.context.map, realm)),
    );
  }
}
