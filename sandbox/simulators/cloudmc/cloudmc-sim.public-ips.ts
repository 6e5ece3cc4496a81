import { randomUUID } from 'node:crypto';
import { asBody, requiredString } from './cloudmc-sim.body';
import { inUse, invalidField, wrongState } from './cloudmc-sim.errors';
import type { PublicIpRecord } from './cloudmc-sim.model';
import { renderPublicIp } from './cloudmc-sim.render';
import { type CloudmcSimState, DURATIONS } from './cloudmc-sim.state';

// Public IPs are scoped to a VPC: acquire, static NAT on/off, release. The VPC's SOURCE_NAT address is fixed.

function live(state: CloudmcSimState, ip: PublicIpRecord): PublicIpRecord {
  if (!state.publicIps.has(ip.id)) throw new Error(`Public IP ${ip.id} no longer exists`);
  return ip;
}

function expectAllocated(ip: PublicIpRecord, action: string): void {
  if (ip.state !== 'Allocated') throw wrongState('publicipaddresses', ip.id, ip.state, ['Allocated'], action);
}

function expectNotSourceNat(ip: PublicIpRecord, action: string): void {
  if (ip.purposes.includes('SOURCE_NAT')) {
    throw inUse('publicipaddresses', ip.id, `Cannot ${action} the source NAT IP address of a VPC`, {
      purposes: ip.purposes,
    });
  }
}

/** `POST /publicipaddresses {vpcId}`: shown as Allocating until the task ends. */
export function acquirePublicIp(state: CloudmcSimState, raw: unknown): string {
  const body = asBody(raw);
  const vpc = state.findIn(state.vpcs.values(), 'vpcId', requiredString(body, 'vpcId'));
  const ip: PublicIpRecord = {
    id: randomUUID(),
    ipAddress: state.allocatePublicIp(),
    state: 'Allocating',
    vpcId: vpc.id,
    zoneId: vpc.zoneId,
    purposes: [],
    ports: [],
  };
  state.publicIps.set(ip.id, ip);
  return state.runTask('publicipaddresses.create', DURATIONS.publicIp, {
    complete: () => {
      live(state, ip).state = 'Allocated';
      return renderPublicIp(state, ip);
    },
    rollback: () => state.publicIps.delete(ip.id),
  });
}

/** `?operation=enableStaticNat {privateIpId}`: privateIpId is an instance's `ipAddressId`. */
export function enableStaticNat(state: CloudmcSimState, ip: PublicIpRecord, raw: unknown): string {
  const body = asBody(raw);
  expectAllocated(ip, 'enable static NAT on');
  expectNotSourceNat(ip, 'enable static NAT on');
  if (ip.instanceId) {
    throw inUse('publicipaddresses', ip.id, 'The IP address is already in use by an instance', {
      purposes: ip.purposes,
    });
  }
  const privateIpId = requiredString(body, 'privateIpId');
  const instance = [...state.instances.values()].find((i) => i.ipAddressId === privateIpId);
  if (!instance)
    throw invalidField('privateIpId', `No private IP found with id ${privateIpId}`, { value: privateIpId });
  if (state.networks.get(instance.networkId)?.vpcId !== ip.vpcId) {
    throw invalidField('privateIpId', 'The instance is not in the VPC of the public IP address');
  }
  if (!['Running', 'Stopped'].includes(instance.state)) {
    throw wrongState(
      'instances',
      instance.id,
      instance.state,
      ['Running', 'Stopped'],
      'enable static NAT for',
    );
  }
  const taken = [...state.publicIps.values()].find((p) => p.privateIpId === privateIpId);
  if (taken)
    throw inUse('publicipaddresses', taken.id, 'The private IP already has static NAT', { privateIpId });
  return state.runTask('publicipaddresses.enableStaticNat', DURATIONS.publicIp, {
    complete: () => {
      if (!state.instances.has(instance.id)) throw new Error(`Instance ${instance.id} no longer exists`);
      live(state, ip).instanceId = instance.id;
      ip.privateIpId = privateIpId;
      ip.purposes = ['STATIC_NAT'];
      return renderPublicIp(state, ip);
    },
  });
}

export function disableStaticNat(state: CloudmcSimState, ip: PublicIpRecord): string {
  expectAllocated(ip, 'disable static NAT on');
  if (!ip.purposes.includes('STATIC_NAT')) {
    throw inUse('publicipaddresses', ip.id, 'Static NAT is not enabled on this IP address', {
      purposes: ip.purposes,
    });
  }
  return state.runTask('publicipaddresses.disableStaticNat', DURATIONS.publicIp, {
    complete: () => {
      live(state, ip).instanceId = undefined;
      ip.privateIpId = undefined;
      ip.purposes = [];
      return renderPublicIp(state, ip);
    },
  });
}

/** Release; static NAT or forwarding on it goes with it. */
export function releasePublicIp(state: CloudmcSimState, ip: PublicIpRecord): string {
  expectNotSourceNat(ip, 'release');
  expectAllocated(ip, 'release');
  ip.state = 'Releasing';
  return state.runTask('publicipaddresses.delete', DURATIONS.publicIp, {
    complete: () => {
      state.publicIps.delete(ip.id);
      return { id: ip.id };
    },
    rollback: () => {
      ip.state = 'Allocated';
    },
  });
}
