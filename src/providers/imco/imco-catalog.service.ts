import type { Image, Location, Plan } from '../../domain/catalog.dto';
import type { CatalogPort } from '../ports/ports';
import { allRealms, plansOf } from './imco-lookups';
import type { ImcoContext } from './imco.context';
import { toGenericImage, toLocation, toPlan, toTemplateImage } from './imco.mapper';
import type { ImGenericImage, ImTemplate } from './imco.types';

/**
 * Templates and generic images → images; server plans of every realm of the account's providers → plans; those
 * realms → locations.
 */
export class ImcoCatalog implements CatalogPort {
  constructor(private readonly context: ImcoContext) {}

  async images(): Promise<Image[]> {
    const [templates, generic] = await Promise.all([
      this.context.client.list<ImTemplate>('/blueprint/templates', 'templates.list'),
      this.context.client.list<ImGenericImage>('/cloud/generic_images', 'generic_images.list'),
    ]);
    return [
      ...templates.map((template) => toTemplateImage(this.context.map, template, generic)),
      ...generic.map((image) => toGenericImage(this.context.map, image)),
    ];
  }

  async plans(): Promise<Plan[]> {
    const realms = (await allRealms(this.context)).filter((realm) => !realm.deprecated);
    const lists = await Promise.all(realms.map((realm) => plansOf(this.context, realm)));
    const plans = lists.flat();
    for (const plan of plans) this.context.plans.remember(plan);
    return plans.map((plan) => toPlan(this.context.map, plan));
  }

  async locations(): Promise<Location[]> {
    return (await allRealms(this.context)).map((realm) => toLocation(this.context.map, realm));
  }
}
