import { cleanText, validItems, type WireType } from '../../kit/wire';
import type { NativeImage, NativeLocation, NativePlan } from '../../ports/native';
import type { CatalogPort } from '../../ports/ports';
import { COMPUTE_OFFERING, TEMPLATE, ZONE } from '../client/wire';
import { toImage, toLocation, toPlan } from '../model/mapper';
import type { CloudmcContext } from './context';

/** Templates → images, compute offerings → plans, zones → locations (docs/providers/cloudmc.md#catalog). */
export class CloudmcCatalog implements CatalogPort {
  constructor(private readonly context: CloudmcContext) {}

  async images(): Promise<NativeImage[]> {
    const templates = await this.read('templates', TEMPLATE);
    return templates.filter((t) => t.ready !== false).map((t) => named(toImage(t)));
  }

  async plans(): Promise<NativePlan[]> {
    return (await this.read('computeofferings', COMPUTE_OFFERING)).map((o) => named(toPlan(o)));
  }

  async locations(): Promise<NativeLocation[]> {
    return (await this.read('zones', ZONE)).map((z) => named(toLocation(z)));
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
