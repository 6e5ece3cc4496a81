import type { Network } from '../../domain/network.dto';
import type { NetworkPort } from '../ports/ports';
import { isIntegerId } from './dcimanager-ids.codec';
import { eq } from './dcimanager-where.codec';
import type { DcimanagerContext } from './dcimanager.context';
import { toNetwork } from './dcimanager.mapper';
import type { DciIpnet } from './dcimanager.types';
import { type Listed, mapListed, mapOne } from '../ports/wire';
import { IPNET, beyondLimit } from './dcimanager.wire';
import { idOf } from '../ports/wire';

/**
 * Networks = IPmanager networks (`/ip/v3/ipnet`, docs/providers/dcimanager.md §8.2), read only: the reference shows no way to
 * create one, and deleting the provider's address ranges is not a customer's business.
 */
export class DcimanagerNetworks implements NetworkPort {
  constructor(private readonly context: DcimanagerContext) {}

  async list(): Promise<Listed<Network>> {
    const max = this.context.maxListItems;
    const answer = await this.context.lookups.ipnetsRaw();
    const toNet = (net: DciIpnet) => toNetwork(this.context.map, net);
    const { items, skipped } = await mapListed(answer.items, IPNET, toNet, { maxItems: max });
    return { items, skipped: [...skipped, ...beyondLimit(answer, max, 'IPmanager networks')] };
  }

  async get(nativeId: string): Promise<Network | null> {
    if (!isIntegerId(nativeId)) return null;
    // The VM6 clients read one network through the list filter rather than a path.
    const { list } = await this.context.client.page(
      '/ip/v3/ipnet',
      { where: eq('id', Number(nativeId)), count: 1 },
      'ipnet.get',
    );
    const net = list.find((n) => idOf(n) === nativeId);
    return net === undefined ? null : mapOne(net, IPNET, (raw) => toNetwork(this.context.map, raw));
  }
}
