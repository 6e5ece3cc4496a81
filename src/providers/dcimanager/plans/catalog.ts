import { NotFoundError } from '../../../common/errors/gateway-error';
import { type WireType, cleanText, validItems } from '../../kit/wire';
import type { NativeImage, NativeLocation, NativePlan } from '../../ports/native';
import type { CatalogPort } from '../../ports/ports';
import {
  CONFIGURATION,
  type DciLocation,
  type DciOsTemplate,
  type DciServer,
  LOCATION,
  type ListAnswer,
  OS_TEMPLATE,
  SERVER,
} from '../client/wire';
import { toImage, toLocation, toPlan } from '../model/mapper';
import type { DcimanagerContext } from './context';

/**
 * OS templates → images, `server/configuration` → plans with free counts, locations
 * (docs/providers/dcimanager.md#catalog). The template and location collections are not in the public docs:
 * when a build answers 404 there, both are gathered from the servers' own `os_template` and `location` (the
 * images then only show templates installed somewhere). Entries that are malformed are left out and logged;
 * every list is read up to `maxListItems`.
 */
export class DcimanagerCatalog implements CatalogPort {
  constructor(private readonly context: DcimanagerContext) {}

  async images(): Promise<NativeImage[]> {
    const templates =
      (await this.collection('/dci/v3/os_template', 'os_template.list', OS_TEMPLATE)) ??
      (await this.collection('/dci/v3/os', 'os.list', OS_TEMPLATE)) ??
      this.distinct<DciOsTemplate>(
        (await this.allServers()).map((s) =>
          s.os_template
            ? { ...s.os_template, name: s.os_template.name ?? `Template ${s.os_template.id}` }
            : null,
        ),
      );
    return templates.map((t) => named(toImage(t)));
  }

  async plans(): Promise<NativePlan[]> {
    const configurations = await this.valid(
      'server.configuration',
      await this.context.client.listAll(
        '/dci/v3/server/configuration',
        {},
        'server.configuration',
        this.context.maxListItems,
      ),
      CONFIGURATION,
    );
    return configurations.filter((c) => c.configuration?.trim()).map((c) => named(toPlan(c)));
  }

  async locations(): Promise<NativeLocation[]> {
    const locations =
      (await this.collection('/dci/v3/location', 'location.list', LOCATION)) ??
      this.distinct<DciLocation>(
        (await this.allServers()).map((s) =>
          s.location ? { ...s.location, name: s.location.name ?? `Location ${s.location.id}` } : null,
        ),
      );
    return locations.map((l) => named(toLocation(l)));
  }

  private async collection<T>(path: string, operation: string, type: WireType<T>): Promise<T[] | null> {
    let answer: ListAnswer;
    try {
      answer = await this.context.client.listAll(
        path,
        { orderby: 'id asc' },
        operation,
        this.context.maxListItems,
      );
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
    return this.valid(operation, answer, type);
  }

  private async allServers(): Promise<DciServer[]> {
    const answer = await this.context.client.listAll(
      '/dci/v3/server',
      { orderby: 'id asc' },
      'server.list',
      this.context.maxListItems,
    );
    return this.valid('server.list', answer, SERVER);
  }

  /** The entries of the wire type; the others are left out and logged. */
  private async valid<T>(operation: string, answer: ListAnswer, type: WireType<T>): Promise<T[]> {
    const { valid, skipped } = await validItems(answer.items, type);
    if (skipped.length)
      this.context.logger.warn(`DCImanager ${operation}: malformed entries left out of the catalog`, {
        count: skipped.length,
        first: skipped[0].reason,
      });
    return valid;
  }

  private distinct<T extends { id: number }>(items: Array<T | null | undefined>): T[] {
    const byId = new Map<number, T>();
    for (const item of items) if (item && !byId.has(item.id)) byId.set(item.id, item);
    return [...byId.values()].sort((a, b) => a.id - b.id);
  }
}

/** Catalog names are shown like resource names: cleaned and bounded (docs/adr/0004-untrusted-backends.md). */
function named<E extends { name: string }>(entry: E): E {
  entry.name = cleanText(entry.name);
  return entry;
}
