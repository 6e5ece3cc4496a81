import { randomUUID } from 'node:crypto';
import { CloudsigmaSimError, inUse, invalidAll } from './cloudsigma-sim.errors';
import { renderIp, renderVlan } from './cloudsigma-sim.render';
import type { StaticIpRecord } from './cloudsigma-sim.model';
import type { SimReply } from './cloudsigma-sim.servers';
import type { CloudsigmaSimState } from './cloudsigma-sim.state';
import type { SimFields } from './cloudsigma-sim.text';

// Static IPs and VLANs (docs/providers/cloudsigma.md#static-ips, docs/providers/cloudsigma.md#vlans): the
// address is the IP's id; a VLAN is a name and a UUID.

function onlyName(fields: SimFields): string {
  const unknown = [...fields.keys()].filter((key) => key !== 'name');
  const problems: Array<[string, string]> = unknown.map((key) => [key, 'Unknown key.']);
  const name = fields.get('name');
  if (!name) problems.push(['name', 'This field is required.']);
  if (problems.length) throw invalidAll(problems, fields);
  return name!;
}

/**
 * One new address, or `ipCreateCount` of them (libcloud's recorded answer holds two objects: an open question,
 * docs/providers/cloudsigma.md#static-ip-create-answer), answered in
 * the order they were allocated; with `ipCreateReturnsAll` the answer lists every IP of the account instead.
 */
export function createIp(state: CloudsigmaSimState): SimReply {
  const created: StaticIpRecord[] = [];
  for (let n = 0; n < state.config.ipCreateCount; n++) {
    const address = state.allocateStatic();
    // All or nothing: a create that cannot have every address it promises takes none.
    if (!address) {
      for (const ip of created) state.ips.delete(ip.address);
      throw new CloudsigmaSimError(400, 'system', 'No static IP address is left to allocate.');
    }
    const ip = {
      address,
      netmask: '255.255.255.0',
      gateway: '192.0.2.1',
      nameservers: ['192.0.2.2', '192.0.2.3'],
    };
    state.ips.set(address, ip);
    created.push(ip);
  }
  if (!state.config.ipCreateReturnsAll)
    return { status: 200, objects: created.map((each) => renderIp(state, each)) };
  // The new address is not necessarily the first object.
  const all = [...state.ips.values()].sort((a, b) => b.address.localeCompare(a.address));
  return { status: 200, objects: all.map((each) => renderIp(state, each)) };
}

/** Refused while a server's `nic:N:dhcp` holds the address, our choice (docs/providers/cloudsigma.md#simulator-choices). */
export function destroyIp(state: CloudsigmaSimState, address: string): SimReply {
  state.require(state.ips, 'ip', address);
  const holder = state.holderOf(address);
  if (holder) throw inUse('ip', address, `server ${holder.uuid}`);
  state.ips.delete(address);
  return { status: 204 };
}

export function createVlan(state: CloudsigmaSimState, fields: SimFields): SimReply {
  const vlan = { uuid: randomUUID(), name: onlyName(fields) };
  state.vlans.set(vlan.uuid, vlan);
  return { status: 200, object: renderVlan(state, vlan) };
}

export function renameVlan(state: CloudsigmaSimState, uuid: string, fields: SimFields): SimReply {
  const vlan = state.require(state.vlans, 'vlan', uuid);
  vlan.name = onlyName(fields);
  return { status: 200, object: renderVlan(state, vlan) };
}

/** Refused while a server NIC is on the VLAN, our choice (docs/providers/cloudsigma.md#vlans). */
export function destroyVlan(state: CloudsigmaSimState, uuid: string): SimReply {
  state.require(state.vlans, 'vlan', uuid);
  const user = [...state.servers.values()].find((server) =>
    [...server.config].some(([key, value]) => /^nic:\d+:vlan$/.test(key) && value === uuid),
  );
  if (user) throw inUse('vlan', uuid, `server ${user.uuid}`);
  state.vlans.delete(uuid);
  return { status: 204 };
}
