import { ProviderKind, ResourceType } from '../../../src/domain/states';
import { SEED_IDS, planId } from '../../../sandbox/simulators/imco/imco-sim.seed';
import { startImcoSimulator } from '../../../sandbox/simulators/imco/imco.simulator';
import { sim } from '../../support/gateway';
import type { ConformanceDriver, DriverBackend } from '../driver';

/** The `setStates` collection of each resource type (networks are VPCs). */
const COLLECTION = {
  [ResourceType.Server]: 'servers',
  [ResourceType.Volume]: 'volumes',
  [ResourceType.Network]: 'vpcs',
  [ResourceType.Ip]: 'floating_ips',
} as const;

/** IMCO (Ingram Micro Cloud Orchestrator) over mutual TLS; its certificates are made in `dataDir`. */
export const imcoDriver: ConformanceDriver = {
  kind: ProviderKind.Imco,
  async start({ speed, dataDir }): Promise<DriverBackend> {
    const simulator = await startImcoSimulator({ host: '127.0.0.1', port: 0, speed, dataDir });
    const { state } = simulator;
    const recordsOf = (type: ResourceType): Map<string, unknown> =>
      ({
        [ResourceType.Server]: state.servers,
        [ResourceType.Volume]: state.volumes,
        [ResourceType.Network]: state.vpcs,
        [ResourceType.Ip]: state.floatingIps,
      })[type];
    return {
      simulator,
      inputs: {
        server: (name) => ({
          name,
          imageId: SEED_IDS.templateUbuntu,
          planId: planId(SEED_IDS.realmAlphaEu, '01'),
          powerOn: true,
          providerOptions: {},
        }),
        // Placed with the server: its cloud account and realm decide where the volume and the address live.
        volume: (name, serverId) => ({ name, sizeGb: 10, serverId, providerOptions: {} }),
        network: (name) => ({ name, cidr: '10.77.0.0/16', providerOptions: {} }),
        ip: (serverId) => ({ serverId, providerOptions: {} }),
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
    };
  },
};
