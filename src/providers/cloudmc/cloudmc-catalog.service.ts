import type { Image, Location, Plan } from '../../domain/catalog.dto';
import type { CatalogPort } from '../ports/ports';
import type { CloudmcContext } from './cloudmc.context';
import { toImage, toLocation, toPlan } from './cloudmc.mapper';
import type { CmComputeOffering, CmTemplate, CmZone } from './cloudmc.types';

/** Templates → images, compute offerings → plans, zones → locations. */
export class CloudmcCatalog implements CatalogPort {
  constructor(private readonly context: CloudmcContext) {}

  async images(): Promise<Image[]> {
    const templates = await this.context.client.list<CmTemplate>('templates');
    return templates.filter((t) => t.ready !== false).map((t) => toImage(this.context.map, t));
  }

  async plans(): Promise<Plan[]> {
    return (await this.context.client.list<CmComputeOffering>('computeofferings')).map((o) =>
      toPlan(this.context.map, o),
    );
  }

  async locations(): Promise<Location[]> {
    return (await this.context.client.list<CmZone>('zones')).map((z) => toLocation(this.context.map, z));
  }
}
