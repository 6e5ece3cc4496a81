import type { Volume } from '../../domain/volume.dto';
import type { VolumePort } from '../ports/ports';
import { physicalDisks } from './dcimanager-configuration.codec';
import { parseDiskId } from './dcimanager-ids.codec';
import type { DcimanagerContext } from './dcimanager.context';
import { configurationOf, toDisk } from './dcimanager.mapper';

/**
 * Volumes = the local disks of the owner's servers, read from their configuration code (docs/providers/dcimanager.md §9). Bare
 * metal has no block volumes: nothing is created, attached, detached or deleted.
 */
export class DcimanagerVolumes implements VolumePort {
  constructor(private readonly context: DcimanagerContext) {}

  async list(): Promise<Volume[]> {
    const servers = await this.context.lookups.ownedServers();
    return servers.flatMap((server) =>
      physicalDisks(configurationOf(server))
        .map((_, index) => toDisk(this.context.map, server, index))
        .filter((disk): disk is Volume => disk !== null),
    );
  }

  async get(nativeId: string): Promise<Volume | null> {
    const parsed = parseDiskId(nativeId);
    if (!parsed) return null;
    const server = await this.context.lookups.ownedServer(parsed.serverId);
    return server ? toDisk(this.context.map, server, parsed.index) : null;
  }
}
