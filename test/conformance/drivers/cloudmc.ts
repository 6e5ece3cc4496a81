import { ProviderKind, ResourceType } from '../../../src/domain/states';
import { SEED_IDS } from '../../../sandbox/simulators/cloudmc/cloudmc-sim.seed';
import { startCloudmcSimulator } from '../../../sandbox/simulators/cloudmc/cloudmc.simulator';
import type { ConformanceDriver, DriverBackend, StatefulType } from '../driver';

const ABSENT = '00000000-0000-4000-8000-00000000c0de';
let networks = 0;

/** CloudMC (CloudStack behind CloudMC's API v2): the simulator's state is in this process, so hooks edit it. */
export const cloudmcDriver: ConformanceDriver = {
  kind: ProviderKind.Cloudmc,
  async start({ speed }): Promise<DriverBackend> {
    const simulator = await startCloudmcSimulator({ host: '127.0.0.1', port: 0, speed });
    const { state } = simulator;
    const recordsOf = (type: StatefulType): Map<string, { state: string }> =>
      ({
        [ResourceType.Server]: state.instances,
        [ResourceType.Volume]: state.volumes,
        [ResourceType.Network]: state.networks,
        [ResourceType.Ip]: state.publicIps,
      })[type];
    return {
      simulator,
      // Delete for good: without purge a deleted instance stays Destroyed (recoverable) for a while.
      connectionFields: { purgeOnDelete: true },
      inputs: {
        server: (name) => ({
          name,
          imageId: SEED_IDS.templateUbuntu,
          planId: SEED_IDS.offeringSmall,
          labels: {},
          powerOn: true,
          providerOptions: {},
        }),
        // CloudMC data volumes are born attached to an instance (docs/providers/cloudmc.md).
        volume: (name, serverId) => ({ name, sizeGb: 20, serverId, labels: {}, providerOptions: {} }),
        // Isolated networks of one zone may not overlap.
        network: (name) => ({ name, cidr: `10.9.${++networks % 250}.0/24`, labels: {}, providerOptions: {} }),
        ip: () => ({ labels: {}, providerOptions: {} }),
      },
      async unknownState(type, nativeId) {
        const record = recordsOf(type).get(nativeId);
        if (!record) throw new Error(`no ${type} ${nativeId} in the CloudMC simulator`);
        record.state = 'Hibernating';
        return 'Hibernating';
      },
      async vanish(type, nativeId) {
        if (!recordsOf(type).delete(nativeId))
          throw new Error(`no ${type} ${nativeId} in the CloudMC simulator`);
        if (type !== ResourceType.Server) return;
        // An instance gone for good takes its root volume with it and lets go of data volumes and addresses.
        for (const [id, volume] of state.volumes) {
          if (volume.instanceId !== nativeId) continue;
          if (volume.type === 'os') state.volumes.delete(id);
          else volume.instanceId = undefined;
        }
        for (const ip of state.publicIps.values()) {
          if (ip.instanceId !== nativeId) continue;
          ip.instanceId = undefined;
          ip.privateIpId = undefined;
          ip.purposes = [];
        }
      },
      absentId: () => ABSENT,
      deviations: {
        sshKeyFingerprint: {
          why:
            "CloudMC's sshkeys answers show a key's name and MD5 fingerprint only, never the public key " +
            '(docs/providers/cloudmc.md#ssh-keys): the adapter gives the MD5 in extra.fingerprint',
        },
      },
      // CloudMC takes user-data as plain text and keeps it as sent (docs/providers/cloudmc.md#user-data).
      async userDataOf(serverId) {
        const instance = state.instances.get(serverId);
        if (!instance) throw new Error(`no server ${serverId} in the CloudMC simulator`);
        return instance.userData === '' ? null : instance.userData;
      },
      // One key for the default user: the one given as text, or the named key's.
      async serverKeysOf(serverId) {
        const instance = state.instances.get(serverId);
        if (!instance) throw new Error(`no server ${serverId} in the CloudMC simulator`);
        return instance.publicKey ? [instance.publicKey] : [];
      },
    };
  },
};
