import { type Listed, idOf, mapListed, mapOne } from '../../kit/wire';
import type { NativeNetwork } from '../../ports/native';
import type { NetworkReader } from '../../ports/ports';
import { isIntegerId } from '../client/codec.ids';
import { eq } from '../client/codec.where';
import { IPNET, beyondLimit } from '../client/wire';
import { toNetwork } from '../model/mapper';
import type { DcimanagerContext } from './context';

/**
 * Networks = IPmanager networks (`/ip/v3/ipnet`, docs/providers/dcimanager.md#ipmanager-networks), read only: the
 * API offers no way to create one for a customer, and deleting the provider's address ranges is not a
 * customer's business.
 */
export class DcimanagerNetworks implements NetworkReader {
  constructor(private readonly context: DcimanagerContext) {}

  async list(): Promise<Listed<NativeNetwork>> {
    const max = this.context.maxListItems;
    const answer = await this.context.reads.ipnetsRaw();
    const { items, skipped } = await mapListed(answer.items, IPNET, toNetwork, { maxItems: max });
    return { items, skipped: [...skipped, ...beyondLimit(answer, max, 'IPmanager networks')] };
  }

  async get(nativeId: string): Promise<NativeNetwork | null> {
    if (!isIntegerId(nativeId)) return null;
    // The VMmanager 6 clients read one network through the list filter rather than a path
    // (docs/providers/dcimanager.md#ipmanager-networks).
    const { list } = await this.context.client.page(
      '/ip/v3/ipnet',
      { where: eq('id', Number(nativeId)), count: 1 },
      'ipnet.get',
    );
    const net = list.find((n) => idOf(n) === nativeId);
    return net === undefined ? null : mapOne(net, IPNET, toNetwork);
  }
}
