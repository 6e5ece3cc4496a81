import { ProviderKind, ResourceType } from '../../../src/domain/states';
import { SIM_IDS } from '../../../sandbox/simulators/cloudsigma/cloudsigma-sim.seed';
import { startCloudsigmaSimulator } from '../../../sandbox/simulators/cloudsigma/cloudsigma.simulator';
import { sim } from '../../support/gateway';
import type { ConformanceDriver, DriverBackend, StatefulType } from '../driver';

/** CloudSigma 1.0 (key-value text API): servers, drives as volumes, VLANs as networks, static IPs. */
export const cloudsigmaDriver: ConformanceDriver = {
  kind: ProviderKind.Cloudsigma,
  async start({ speed }): Promise<DriverBackend> {
    const simulator = await startCloudsigmaSimulator({ host: '127.0.0.1', port: 0, speed });
    const { state } = simulator;
    const recordsOf = (type: StatefulType): Map<string, unknown> =>
      ({
        [ResourceType.Server]: state.servers,
        [ResourceType.Volume]: state.drives,
        [ResourceType.Network]: state.vlans,
        // Static IPs are known by their address.
        [ResourceType.Ip]: state.ips,
      })[type];
    return {
      simulator,
      inputs: {
        server: (name) => ({
          name,
          imageId: SIM_IDS.imageDebian,
          planId: 'small',
          labels: {},
          powerOn: true,
          providerOptions: {},
        }),
        volume: (name) => ({ name, sizeGb: 1, labels: {}, providerOptions: {} }),
        // A VLAN carries no address range.
        network: (name) => ({ name, labels: {}, providerOptions: {} }),
        ip: () => ({ labels: {}, providerOptions: {} }),
      },
      async unknownState(type, nativeId) {
        // The control API forces any raw server status; drives, VLANs and IPs have none to force.
        if (type !== ResourceType.Server) return null;
        await sim(simulator, 'POST', '/config', { serverStatus: { [nativeId]: 'levitating' } });
        return 'levitating';
      },
      async vanish(type, nativeId) {
        if (!recordsOf(type).delete(nativeId))
          throw new Error(`no ${type} ${nativeId} in the CloudSigma simulator`);
      },
      // The create marker and the gateway's other metadata are `user:gw*` keys beside the labels' `user:<key>`
      // lines (docs/providers/cloudsigma.md#crash-safe-creates); VLANs and static IPs keep no metadata.
      async markersOf(type, nativeId) {
        const fields =
          type === 'server'
            ? state.servers.get(nativeId)?.config
            : type === 'volume'
              ? state.drives.get(nativeId)?.fields
              : undefined;
        if (type !== 'server' && type !== 'volume') return null;
        if (!fields) throw new Error(`no ${type} ${nativeId} in the CloudSigma simulator`);
        return [...fields]
          .filter(([key]) => key.startsWith('user:gw'))
          .map(([key, value]) => `${key} ${value}`)
          .sort();
      },
      absentId: (type) => (type === ResourceType.Ip ? '192.0.2.254' : '00000000-0000-4000-8000-00000000c0de'),
    };
  },
};
