import { NotFoundError } from '../../common/errors/gateway-error';
import type { Image, Location, Plan } from '../../domain/catalog.dto';
import type { CatalogPort } from '../ports/ports';
import type { DcimanagerContext } from './dcimanager.context';
import { toImage, toLocation, toPlan } from './dcimanager.mapper';
import type { DciConfiguration, DciLocation, DciOsTemplate, DciServer } from './dcimanager.types';

/**
 * OS templates → images, `server/configuration` → plans with free counts, locations. The template and
 * location collections are not in the public docs: when a build answers 404 there, both are gathered from
 * the servers' own `os_template` and `location` (the images then only show templates installed somewhere).
 */
export class DcimanagerCatalog implements CatalogPort {
  constructor(private readonly context: DcimanagerContext) {}

  async images(): Promise<Image[]> {
    const templates =
      (await this.collection<DciOsTemplate>('/dci/v3/os_template', 'os_template.list')) ??
      (await this.collection<DciOsTemplate>('/dci/v3/os', 'os.list')) ??
      this.distinct(
        (await this.allServers()).map((s) =>
          s.os_template
            ? { ...s.os_template, name: s.os_template.name ?? `Template ${s.os_template.id}` }
            : null,
        ),
      );
    return templates.map((t) => toImage(this.context.map, t));
  }

  async plans(): Promise<Plan[]> {
    const configurations = await this.context.client.listAll<DciConfiguration>(
      '/dci/v3/server/configuration',
      {},
      'server.configuration',
    );
    return configurations.filter((c) => c.configuration?.trim()).map((c) => toPlan(this.context.map, c));
  }

  async locations(): Promise<Location[]> {
    const locations =
      (await this.collection<DciLocation>('/dci/v3/location', 'location.list')) ??
      this.distinct(
        (await this.allServers()).map((s) =>
          s.location ? { ...s.location, name: s.location.name ?? `Location ${s.location.id}` } : null,
        ),
      );
    return locations.map((l) => toLocation(this.context.map, l));
  }

  private async collection<T>(path: string, operation: string): Promise<T[] | null> {
    try {
      return await this.context.client.listAll<T>(path, { orderby: 'id asc' }, operation);
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
  }

  private allServers(): Promise<DciServer[]> {
    return this.context.client.listAll<DciServer>('/dci/v3/server', { orderby: 'id asc' }, 'server.list');
  }

  private distinct<T extends { id: number }>(items: Array<T | null | undefined>): T[] {
    const byId = new Map<number, T>();
    for (const item of items) if (item && !byId.has(item.id)) byId.set(item.id, item);
    return [...byId.values()].sort((a, b) => a.id - b.id);
  }
}
