import type { Image, Location, Plan } from '../../domain/catalog.dto';
import type { CatalogPort } from '../ports/ports';
import type { CloudsigmaContext } from './cloudsigma.context';
import { customPlan, toImage, toLocation, toPlan } from './cloudsigma.mapper';
import { PLAN_PRESETS } from './cloudsigma-sizing';
import { CloudsigmaDrive } from './cloudsigma.wire';
import { ofType } from '../ports/wire';
import { cleanText } from '../ports/wire';

/** Library disks → images (libcloud keeps `type disk`); MHz/MB presets → plans; the endpoint's location. */
export class CloudsigmaCatalog implements CatalogPort {
  constructor(private readonly context: CloudsigmaContext) {}

  /** Library drives that fail their checks are left out (the catalog has no place to say so). */
  async images(): Promise<Image[]> {
    const library = await this.context.client.objects('/drives/standard/info', 'drive', 'library.list');
    return ofType(library, CloudsigmaDrive)
      .filter((d) => d.type === 'disk')
      .slice(0, this.context.limits.maxItems)
      .map((d) => {
        const image = toImage(this.context.map, d);
        return { ...image, name: cleanText(image.name) };
      });
  }

  async plans(): Promise<Plan[]> {
    return [...PLAN_PRESETS.map((p) => toPlan(this.context.map, p)), customPlan(this.context.map)];
  }

  async locations(): Promise<Location[]> {
    return [toLocation(this.context.map)];
  }
}
