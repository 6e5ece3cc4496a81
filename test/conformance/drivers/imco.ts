import { ProviderKind, ResourceType } from '../../../src/domain/states';
import { SEED_IDS, planId } from '../../../sandbox/simulators/imco/imco-sim.seed';
import { startImcoSimulator } from '../../../sandbox/simulators/imco/imco.simulator';
import { sim } from '../../support/gateway';
import type { ConformanceDriver, DriverBackend, StatefulType } from '../driver';

/** The `setStates` collection of each resource type (networks are VPCs). */
const COLLECTION = {
  [ResourceType.Server]: 'servers',
  [ResourceType.Volume]: 'volumes',
  [ResourceType.Network]: 'vpcs',
  [ResourceType.Ip]: 'floating_ips',
} as const;

/** The name of a gateway marker label. */
const MARKER = /^gw[0-9a-z]{10}$/;

/** IMCO (Ingram Micro Cloud Orchestrator) over mutual TLS; its certificates are made in `dataDir`. */
export const imcoDriver: ConformanceDriver = {
  kind: ProviderKind.Imco,
  async start({ speed, dataDir }): Promise<DriverBackend> {
    const simulator = await startImcoSimulator({ host: '127.0.0.1', port: 0, speed, dataDir });
    const { state } = simulator;
    const recordsOf = (type: StatefulType): Map<string, { labelIds: string[] }> =>
      ({
        [ResourceType.Server]: state.servers,
        [ResourceType.Volume]: state.volumes,
        [ResourceType.Network]: state.vpcs,
        [ResourceType.Ip]: state.floatingIps,
      })[type];
    const labeled = {
      server: ResourceType.Server,
      volume: ResourceType.Volume,
      network: ResourceType.Network,
      ip: ResourceType.Ip,
    } as const;
    return {
      simulator,
      inputs: {
        server: (name) => ({
          name,
          imageId: SEED_IDS.templateUbuntu,
          planId: planId(SEED_IDS.realmAlphaEu, '01'),
          labels: {},
          powerOn: true,
          providerOptions: {},
        }),
        // Placed with the server: its cloud account and realm decide where the volume and the address live.
        volume: (name, serverId) => ({ name, sizeGb: 10, serverId, labels: {}, providerOptions: {} }),
        network: (name) => ({ name, cidr: '10.77.0.0/16', labels: {}, providerOptions: {} }),
        ip: (serverId) => ({ serverId, labels: {}, providerOptions: {} }),
      },
      async unknownState(type, nativeId) {
        await sim(simulator, 'POST', '/config', {
          setStates: { [COLLECTION[type]]: { [nativeId]: 'levitating' } },
        });
        return 'levitating';
      },
      async vanish(type, nativeId) {
        if (!recordsOf(type).delete(nativeId))
          throw new Error(`no ${type} ${nativeId} in the IMCO simulator`);
      },
      absentId: () => '64ffffffffffffffffffffff',
      // The create marker is an IMCO label named after it (docs/providers/imco.md#labels-and-crash-safe-creates).
      async markersOf(type, nativeId) {
        const record = recordsOf(labeled[type]).get(nativeId);
        if (!record) throw new Error(`no ${type} ${nativeId} in the IMCO simulator`);
        return record.labelIds
          .map((id) => state.labels.get(id)?.name ?? `missing label ${id}`)
          .filter((name) => MARKER.test(name))
          .sort();
      },
      // A server lets in the keys of its SSH profiles.
      async serverKeysOf(serverId) {
        const server = state.servers.get(serverId);
        if (!server) throw new Error(`no server ${serverId} in the IMCO simulator`);
        return server.sshProfileIds.map(
          (id) => state.sshProfiles.get(id)?.publicKey ?? `missing profile ${id}`,
        );
      },
    };
  },
};
