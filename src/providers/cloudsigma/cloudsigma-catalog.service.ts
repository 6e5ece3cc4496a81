import type { Image, Location, Plan } from '../../domain/catalog.dto';
import type { CatalogPort } from '../ports/ports';
import type { CloudsigmaContext } from './cloudsigma.context';
import { customPlan, toImage, toLocation, toPlan } from './cloudsigma.mapper';
import { PLAN_PRESETS } from './cloudsigma-sizing';

/** Library disks → images (libcloud keeps `type disk`); MHz/MB presets → plans; the endpoint's location. */
export class CloudsigmaCatalog implements CatalogPort {
  constructor(private readonly context: CloudsigmaContext) {}

  async images(): Promise<Image[]> {
    const library = await this.context.client.objects('/drives/standard/info', 'drive', 'library.list');
    return library.filter((d) => d.type === 'disk').map((d) => toImage(this.context.map, d));
  }

  async plans(): Promise<Plan[]> {
    return [...PLAN_PRESETS.map((p) => toPlan(this.context.map, p)), customPlan(this.context.map)];
  }

  async locations(): Promise<Location[]> {
    return [toLocation(this.context.map)];
  }
}
