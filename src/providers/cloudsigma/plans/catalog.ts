import { cleanText, ofType } from '../../kit/wire';
import type { NativeImage, NativeLocation, NativePlan } from '../../ports/native';
import type { CatalogPort } from '../../ports/ports';
import { CloudsigmaDrive } from '../client/wire';
import { customPlan, toImage, toLocation, toPlan } from '../model/mapper';
import { PLAN_PRESETS } from '../model/sizing';
import type { CloudsigmaContext } from './context';

/**
 * Library disks → images; MHz/MB presets → plans; the endpoint's location
 * (docs/providers/cloudsigma.md#catalog).
 */
export class CloudsigmaCatalog implements CatalogPort {
  constructor(private readonly context: CloudsigmaContext) {}

  /** Library drives that fail their checks are left out (the catalog has no place to say so). */
  async images(): Promise<NativeImage[]> {
    const library = await this.context.client.objects('/drives/standard/info', 'drive', 'library.list');
    return ofType(library, CloudsigmaDrive)
      .filter((d) => d.type === 'disk')
      .slice(0, this.context.limits.maxItems)
      .map((d) => {
        const image = toImage(d);
        return { ...image, name: cleanText(image.name) };
      });
  }

  async plans(): Promise<NativePlan[]> {
    return [...PLAN_PRESETS.map(toPlan), customPlan()];
  }

  async locations(): Promise<NativeLocation[]> {
    return [toLocation(this.context.map)];
  }
}
