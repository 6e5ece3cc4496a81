import type { Image, Location, Plan } from '../../domain/catalog.dto';
import type { CatalogPort } from '../ports/ports';
import { cleanText, type WireType } from '../ports/wire';
import type { CloudmcContext } from './cloudmc.context';
import { toImage, toLocation, toPlan } from './cloudmc.mapper';
import { COMPUTE_OFFERING, TEMPLATE, ZONE } from './cloudmc.wire';
import { validItems } from '../ports/wire';

/** Templates → images, compute offerings → plans, zones → locations. */
export class CloudmcCatalog implements CatalogPort {
  constructor(private readonly context: CloudmcContext) {}

  async images(): Promise<Image[]> {
    const templates = await this.read('templates', TEMPLATE);
    return templates.filter((t) => t.ready !== false).map((t) => named(toImage(this.context.map, t)));
  }

  async plans(): Promise<Plan[]> {
    return (await this.read('computeofferings', COMPUTE_OFFERING)).map((o) =>
      named(toPlan(this.context.map, o)),
    );
  }

  async locations(): Promise<Location[]> {
    return (await this.read('zones', ZONE)).map((z) => named(toLocation(this.context.map, z)));
  }

  /** The entries of the wire type, at most `maxListItems`; the others are left out and logged. */
  private async read<T>(entity: string, type: WireType<T>): Promise<T[]> {
    const answer = await this.context.client.list(entity);
    const { valid, skipped } = await validItems(answer.slice(0, this.context.maxListItems), type);
    if (skipped.length || answer.length > this.context.maxListItems)
      this.context.logger.warn(`CloudMC ${entity}: entries left out of the catalog`, {
        malformed: skipped.length,
        overLimit: Math.max(0, answer.length - this.context.maxListItems),
        first: skipped[0]?.reason,
      });
    return valid;
  }
}

/** Catalog names are shown like resource names: cleaned and bounded (docs/adr/0004-untrusted-backends.md). */
function named<E extends { name: string }>(entry: E): E {
  entry.name = cleanText(entry.name);
  return entry;
}
