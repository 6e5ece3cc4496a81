import { randomUUID } from 'node:crypto';
import { type Body, asBody, optionalString, requiredString, requiredStrings } from './cloudmc-sim.body';
import { inUse, invalidField, missingField, wrongState } from './cloudmc-sim.errors';
import type { NetworkRecord, Vpc } from './cloudmc-sim.model';
import { renderNetwork } from './cloudmc-sim.render';
import { type CloudmcSimState, DURATIONS } from './cloudmc-sim.state';
import {
  type Cidr,
  cidrContains,
  cidrOverlaps,
  formatCidr,
  intToIp,
  ipToInt,
  netmaskToPrefix,
  parseCidr,
  prefixToNetmask,
} from './cloudmc-sim.util';

// Networks: VPC tiers (vpcOnly offering, vpcId + networkAclId) and isolated networks.

// Isolated networks without gateway/netmask get a /24 from here (our choice; the docs do not say).
const ISOLATED_SUPERNET = parseCidr('10.1.0.0/16');

/** gateway + netmask (both or neither) → the network's CIDR, if given. */
function requestedCidr(body: Body): { cidr: Cidr; gateway: string } | undefined {
  const gateway = optionalString(body, 'gateway');
  const netmask = optionalString(body, 'netmask');
  if (!gateway && !netmask) return undefined;
  if (!gateway) throw missingField('gateway');
  if (!netmask) throw missingField('netmask');
  const gatewayValue = ipToInt(gateway);
  if (gatewayValue === undefined) throw invalidField('gateway', `${gateway} is not an IPv4 address`);
  const prefix = netmaskToPrefix(netmask);
  if (prefix === undefined || prefix < 16 || prefix > 28)
    throw invalidField('netmask', `${netmask} is not a usable netmask`);
  const size = 2 ** (32 - prefix);
  const cidr = { base: Math.floor(gatewayValue / size) * size, prefix, size };
  if (gatewayValue === cidr.base || gatewayValue === cidr.base + size - 1) {
    throw invalidField('gateway', `${gateway} cannot be the network or broadcast address`);
  }
  return { cidr, gateway };
}

/** First free /24 of `within` that overlaps none of `taken`. */
function freeSlash24(within: Cidr, taken: Cidr[]): Cidr | undefined {
  for (let base = within.base; base + 256 <= within.base + within.size; base += 256) {
    const candidate = { base, prefix: 24, size: 256 };
    if (!taken.some((t) => cidrOverlaps(t, candidate))) return candidate;
  }
  return undefined;
}

function placeNetwork(
  state: CloudmcSimState,
  body: Body,
  vpc: Vpc | undefined,
): { cidr: Cidr; gateway: string } {
  const siblings = [...state.networks.values()]
    .filter((n) => n.vpcId === vpc?.id)
    .map((n) => parseCidr(n.cidr));
  const requested = requestedCidr(body);
  const within = vpc ? parseCidr(vpc.cidr) : ISOLATED_SUPERNET;
  if (requested) {
    if (vpc && !cidrContains(within, requested.cidr)) {
      throw invalidField('gateway', `${formatCidr(requested.cidr)} is outside the VPC CIDR ${vpc.cidr}`);
    }
    if (siblings.some((s) => cidrOverlaps(s, requested.cidr))) {
      throw invalidField('gateway', `${formatCidr(requested.cidr)} overlaps another network`);
    }
    return requested;
  }
  const cidr = freeSlash24(within, siblings);
  if (!cidr) throw invalidField('vpcId', 'No free address range left for a new network');
  return { cidr, gateway: intToIp(cidr.base + 1) };
}

export function createNetwork(state: CloudmcSimState, raw: unknown): string {
  const body = asBody(raw);
  const {
    name,
    description,
    networkOfferingId: offeringId,
  } = requiredStrings(body, ['name', 'description', 'networkOfferingId']);
  const offering = state.findIn(state.catalog.networkOfferings, 'networkOfferingId', offeringId);
  const vpcId = optionalString(body, 'vpcId');
  let vpc: Vpc | undefined;
  let networkAclId: string | undefined;
  if (offering.vpcOnly) {
    if (!vpcId) throw missingField('vpcId');
    vpc = state.findIn(state.vpcs.values(), 'vpcId', vpcId);
    const acl = state.findIn(state.catalog.networkAcls, 'networkAclId', requiredString(body, 'networkAclId'));
    if (acl.vpcId && acl.vpcId !== vpc.id)
      throw invalidField('networkAclId', 'The network ACL belongs to another VPC');
    networkAclId = acl.id;
  } else if (vpcId) {
    throw invalidField('networkOfferingId', `Offering ${offering.name} cannot be used for a VPC tier`);
  }
  // The docs give no zoneId for isolated networks; we accept one and default to the first zone.
  const zoneId = vpc?.zoneId ?? optionalString(body, 'zoneId') ?? state.catalog.zones[0].id;
  if (!vpc) state.findIn(state.catalog.zones, 'zoneId', zoneId);
  const { cidr, gateway } = placeNetwork(state, body, vpc);
  const network: NetworkRecord = {
    id: randomUUID(),
    name,
    description,
    zoneId,
    vpcId: vpc?.id,
    networkAclId,
    networkOfferingId: offering.id,
    cidr: formatCidr(cidr),
    gateway,
    netmask: prefixToNetmask(cidr.prefix),
    state: 'Allocated',
  };
  // Allocated right away (CloudStack creates the record synchronously); the task only confirms it.
  state.networks.set(network.id, network);
  return state.runTask('networks.create', DURATIONS.network, {
    complete: () => {
      if (!state.networks.has(network.id)) throw new Error(`Network ${network.id} no longer exists`);
      return renderNetwork(state, network);
    },
    rollback: () => state.networks.delete(network.id),
  });
}

export function updateNetwork(state: CloudmcSimState, network: NetworkRecord, raw: unknown): string {
  const body = asBody(raw);
  const name = optionalString(body, 'name');
  const description = optionalString(body, 'description');
  if (!name && description === undefined) throw missingField('name');
  if (network.state === 'Destroy')
    throw wrongState('networks', network.id, network.state, ['Allocated', 'Implemented'], 'update');
  return state.runTask('networks.update', DURATIONS.networkUpdate, {
    complete: () => {
      if (!state.networks.has(network.id)) throw new Error(`Network ${network.id} no longer exists`);
      if (name) network.name = name;
      if (description !== undefined) network.description = description;
      return renderNetwork(state, network);
    },
  });
}

/** Only a network without instances (Destroyed ones included: they still hold a NIC) can be deleted. */
export function deleteNetwork(state: CloudmcSimState, network: NetworkRecord): string {
  if (network.state === 'Destroy')
    throw wrongState('networks', network.id, network.state, ['Allocated', 'Implemented'], 'delete');
  const instances = state.instancesOn(network.id);
  if (instances.length > 0) {
    throw inUse('networks', network.id, `The network still has ${instances.length} instance(s)`, {
      instanceIds: instances.map((i) => i.id),
    });
  }
  const before = network.state;
  network.state = 'Destroy';
  return state.runTask('networks.delete', DURATIONS.network, {
    complete: () => {
      state.networks.delete(network.id);
      return { id: network.id };
    },
    rollback: () => {
      network.state = before;
    },
  });
}
