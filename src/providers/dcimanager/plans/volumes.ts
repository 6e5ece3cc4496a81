import { type Listed, idOf, mapListed, mapOne, validItems } from '../../kit/wire';
import type { NativeVolume } from '../../ports/native';
import type { VolumeReader } from '../../ports/ports';
import { physicalDisks } from '../client/codec.configuration';
import { diskIdOf, parseDiskId } from '../client/codec.ids';
import { SERVER_DISK, SERVER_DISKS, beyondLimit } from '../client/wire';
import { configurationOf, toDisk } from '../model/mapper';
import type { DcimanagerContext } from './context';

/**
 * Volumes = the local disks of the owner's servers, read from their configuration code
 * (docs/providers/dcimanager.md#disks). Bare metal has no block volumes: nothing is created, attached, detached
 * or deleted.
 */
export class DcimanagerVolumes implements VolumeReader {
  constructor(private readonly context: DcimanagerContext) {}

  /** The disks of the owner's servers; a server whose names or configuration are malformed is left out. */
  async list(): Promise<Listed<NativeVolume>> {
    const max = this.context.maxListItems;
    const answer = await this.context.reads.ownedServersRaw();
    const { valid, skipped } = await validItems(answer.items, SERVER_DISKS);
    const disks = valid.flatMap((server) =>
      physicalDisks(configurationOf(server)).map((_, index) => ({ server, index })),
    );
    const listed = await mapListed(
      disks,
      SERVER_DISK,
      ({ server, index }) => toDisk(server, index),
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

  async get(nativeId: string): Promise<NativeVolume | null> {
    const parsed = parseDiskId(nativeId);
    if (!parsed) return null;
    const server = await this.context.reads.ownedServerRaw(parsed.serverId);
    if (!server) return null;
    // A well-formed server without that disk has none: 404, not 502.
    if (SERVER_DISKS.is(server) && !physicalDisks(configurationOf(server))[parsed.index]) return null;
    return mapOne({ server, index: parsed.index }, SERVER_DISK, (disk) => toDisk(disk.server, disk.index)!);
  }
}
