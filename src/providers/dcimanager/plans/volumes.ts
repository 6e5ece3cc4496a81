import type { Volume } from '../../domain/volume.dto';
import type { VolumePort } from '../ports/ports';
import { physicalDisks } from './dcimanager-configuration.codec';
import { diskIdOf, parseDiskId } from './dcimanager-ids.codec';
import type { DcimanagerContext } from './dcimanager.context';
import { configurationOf, toDisk } from './dcimanager.mapper';
import { type Listed, mapListed, mapOne } from '../ports/wire';
import { SERVER_DISK, SERVER_DISKS, beyondLimit } from './dcimanager.wire';
import { idOf, validItems } from '../ports/wire';

/**
 * Volumes = the local disks of the owner's servers, read from their configuration code (docs/providers/dcimanager.md §9). Bare
 * metal has no block volumes: nothing is created, attached, detached or deleted.
 */
export class DcimanagerVolumes implements VolumePort {
  constructor(private readonly context: DcimanagerContext) {}

  /** The disks of the owner's servers; a server whose names or configuration are malformed is left out. */
  async list(): Promise<Listed<Volume>> {
    const max = this.context.maxListItems;
    const answer = await this.context.lookups.ownedServersRaw();
    const { valid, skipped } = await validItems(answer.items, SERVER_DISKS);
    const disks = valid.flatMap((server) =>
      physicalDisks(configurationOf(server)).map((_, index) => ({ server, index })),
    );
    const listed = await mapListed(
      disks,
      SERVER_DISK,
      ({ server, index }) => toDisk(this.context.map, server, index),
      { maxItems: max },
      (raw) => {
        const disk = raw as { server?: unknown; index?: unknown };
        const server = idOf(disk.server);
        return server === null ? null : diskIdOf(server, Number(disk.index));
      },
    );
    return {
      items: listed.items,
      skipped: [...skipped, ...listed.skipped, ...beyondLimit(answer, max, 'servers of this owner')],
    };
  }

  async get(nativeId: string): Promise<Volume | null> {
    const parsed = parseDiskId(nativeId);
    if (!parsed) return null;
    const server = await this.context.lookups.ownedServerRaw(parsed.serverId);
    if (!server) return null;
    // A well-formed server without that disk has none: 404, not 502.
    if (SERVER_DISKS.is(server) && !physicalDisks(configurationOf(server))[parsed.index]) return null;
    return mapOne({ server, index: parsed.index }, SERVER_DISK, (disk) =>
      toDisk(this.context.map, disk.server, disk.index)!,
    );
  }
}
