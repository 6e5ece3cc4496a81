import { Injectable } from '@nestjs/common';
import type { SshKey } from '../domain/ssh-key.dto';
import { ResourceType } from '../domain/states';
import type { Listed } from '../domain/listed';
import { PORT_OF_TYPE } from '../providers/registry/capabilities';
import type { Connection } from '../providers/registry/connection';
import type { ResourceReader } from '../providers/ports/ports';
import { LabelStore } from './label-store.service';
import { PublicKeyStore } from './public-key-store.service';

/**
 * Reads of a connection's resources as the API shows them: what the backend answered, completed with what the
 * gateway keeps beside it (the labels of types whose backend keeps none, docs/design.md#labels; the public keys
 * of SSH keys it added, docs/design.md#ssh-keys). Every read goes through here BEFORE the snapshot cache keeps
 * it, so a cached list or item is complete too; the engine completes a task's result the same way.
 */
@Injectable()
export class GatewayReads {
  constructor(
    private readonly labels: LabelStore,
    private readonly publicKeys: PublicKeyStore,
  ) {}

  /** Resources of one connection and type, completed. */
  async complete<T extends { nativeId: string }>(
    adapter: Connection,
    type: string,
    items: T[],
  ): Promise<T[]> {
    if (type === (ResourceType.SshKey as string))
      return (await this.publicKeys.apply(adapter.name, items as unknown as SshKey[])) as unknown as T[];
    return this.labels.apply(adapter, type, items);
  }

  async completeOne<T extends { nativeId: string }>(
    adapter: Connection,
    type: string,
    item: T | null,
  ): Promise<T | null> {
    return item ? (await this.complete(adapter, type, [item]))[0] : null;
  }

  /** The connection's reader of a type, completed; undefined when the connection cannot read the type. */
  reader<T extends { nativeId: string }>(adapter: Connection, type: string): ResourceReader<T> | undefined {
    const port = adapter[PORT_OF_TYPE[type as ResourceType]] as ResourceReader<T> | undefined;
    if (!port) return undefined;
    if (type !== (ResourceType.SshKey as string) && !LabelStore.holds(adapter, type)) return port;
    return {
      list: async (): Promise<Listed<T>> => {
        const answer = await port.list();
        return { ...answer, items: await this.complete(adapter, type, answer.items) };
      },
      get: async (nativeId: string) => this.completeOne(adapter, type, await port.get(nativeId)),
    };
  }
}
