import { ProviderKind, ResourceType } from '../../../src/domain/states';
import { SEED_CONFIGURATIONS, SEED_IDS } from '../../../sandbox/simulators/dcimanager/dcimanager-sim.seed';
import { startDcimanagerSimulator } from '../../../sandbox/simulators/dcimanager/dcimanager.simulator';
import type { ConformanceDriver, DriverBackend } from '../driver';

const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIConformanceKey conformance@example.test';

/**
 * DCImanager 6 (bare metal): a create takes a free server from stock and installs it; delete wipes it and gives it
 * back. Native ids: servers are integers, addresses `<server>-<ip>`, local disks `<server>-disk<n>`.
 */
export const dcimanagerDriver: ConformanceDriver = {
  kind: ProviderKind.Dcimanager,
  async start({ speed }): Promise<DriverBackend> {
    const simulator = await startDcimanagerSimulator({ host: '127.0.0.1', port: 0, speed });
    const { state } = simulator;
    const serverOf = (nativeId: string) => {
      const server = state.servers.get(Number(nativeId));
      if (!server) throw new Error(`no server ${nativeId} in the DCImanager simulator`);
      return server;
    };
    const ipOf = (nativeId: string) => {
      const ip = state.ips.get(Number(nativeId.split('-')[1]));
      if (!ip) throw new Error(`no address ${nativeId} in the DCImanager simulator`);
      return ip;
    };
    const freeConfiguration = () => {
      const free = [...state.servers.values()].find(
        (s) =>
          s.ownerId === null &&
          !s.isNew &&
          !s.operation &&
          s.state === 'ok' &&
          s.locationId === SEED_IDS.north &&
          s.configuration !== '',
      );
      // None left: the create will say the stock is empty.
      return free?.configuration ?? SEED_CONFIGURATIONS.small;
    };
    return {
      simulator,
      // The quickest wipe: what a delete does to the disks is no concern of the port.
      connectionFields: { wipeOnDelete: 'none' },
      inputs: {
        // The configuration of a free server in the north (the south's stock has no address for an install).
        server: (name) => ({
          name,
          imageId: String(SEED_IDS.debian),
          planId: freeConfiguration(),
          locationId: String(SEED_IDS.north),
          sshPublicKeys: [SSH_KEY],
          labels: {},
          powerOn: true,
          providerOptions: {},
        }),
        // Addresses exist only as allocations to one server.
        ip: (serverId) => ({ serverId, labels: {}, providerOptions: {} }),
      },
      async unknownState(type, nativeId) {
        // Servers: the administrative state (power and operations have states of their own); addresses: status.
        if (type === ResourceType.Server) (serverOf(nativeId) as { state: string }).state = 'levitating';
        else if (type === ResourceType.Ip) (ipOf(nativeId) as { status: string }).status = 'levitating';
        else return null;
        return 'levitating';
      },
      async vanish(type, nativeId) {
        if (type === ResourceType.Server) {
          const server = serverOf(nativeId);
          state.servers.delete(server.id);
          for (const [id, ip] of state.ips) if (ip.serverId === server.id) state.ips.delete(id);
        } else if (type === ResourceType.Ip) state.ips.delete(ipOf(nativeId).id);
        else throw new Error(`DCImanager ${type}s cannot vanish on their own`);
      },
      // More free servers of the small configuration in the north, where `inputs.server` looks first.
      async roomFor(count) {
        state.configure({ stock: count });
      },
      // The keys of the server's last OS install (`ssh_pub_keys` of operation_os).
      async serverKeysOf(serverId) {
        return [...serverOf(serverId).installedKeys];
      },
      absentId: (type) =>
        ({
          [ResourceType.Server]: '999999',
          [ResourceType.Volume]: '999999-disk0',
          [ResourceType.Network]: '999999',
          [ResourceType.Ip]: '999999-999999',
          [ResourceType.SshKey]: '999999',
        })[type],
    };
  },
};
