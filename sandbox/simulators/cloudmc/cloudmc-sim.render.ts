import type { InstanceRecord, NetworkRecord, PublicIpRecord, VolumeRecord } from './cloudmc-sim.model';
import type { CloudmcSimState } from './cloudmc-sim.state';
import { volumeTimestamp } from './cloudmc-sim.util';

// Internal records → wire JSON, joining the names the docs show next to every id.

type Wire = Record<string, unknown>;

/** Drops undefined fields so absent values are absent on the wire, as in the docs' samples. */
function compact(object: Wire): Wire {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}

function vpcFields(state: CloudmcSimState, vpcId: string | undefined): Wire {
  const vpc = vpcId ? state.vpcs.get(vpcId) : undefined;
  return { vpcId: vpc?.id, vpcName: vpc?.name };
}

/** List form (summary fields); `detail` adds userData, publicIps, nics and ipAddressId as on GET /:id. */
export function renderInstance(state: CloudmcSimState, instance: InstanceRecord, detail: boolean): Wire {
  const network = state.networks.get(instance.networkId);
  const template = state.catalog.templates.find((t) => t.id === instance.templateId);
  const offering = state.catalog.computeOfferings.find((o) => o.id === instance.computeOfferingId);
  const summary = compact({
    id: instance.id,
    name: instance.name,
    affinityGroupIds: instance.affinityGroupIds,
    computeOfferingId: instance.computeOfferingId,
    computeOfferingName: offering?.name,
    cpuCount: instance.cpuCount,
    hostname: instance.hostname,
    imageId: instance.templateId,
    imageName: template?.name,
    ipAddress: instance.ipAddress,
    isPasswordEnabled: true,
    macAddress: instance.macAddress,
    memoryInMB: instance.memoryInMB,
    networkId: instance.networkId,
    networkName: network?.name,
    state: instance.state,
    username: template?.defaultUsername,
    ...vpcFields(state, network?.vpcId),
    zoneId: network?.zoneId,
    zoneName: network ? state.zoneName(network.zoneId) : undefined,
  });
  if (!detail) return summary;
  const publicIps = [...state.publicIps.values()]
    .filter((ip) => ip.instanceId === instance.id)
    .map((ip) => ({ id: ip.id, ipAddress: ip.ipAddress, purposes: ip.purposes, ports: ip.ports }));
  return {
    ...summary,
    ipAddressId: instance.ipAddressId,
    userData: instance.userData,
    publicIps,
    nics: [{ id: instance.nicId, isDefault: true, networkId: instance.networkId }],
  };
}

export function renderVolume(state: CloudmcSimState, volume: VolumeRecord, detail: boolean): Wire {
  const instance = volume.instanceId ? state.instances.get(volume.instanceId) : undefined;
  const offering = state.catalog.diskOfferings.find((o) => o.id === volume.diskOfferingId);
  return compact({
    id: volume.id,
    name: volume.name,
    type: volume.type,
    creationDate: volumeTimestamp(volume.created),
    instanceId: instance?.id,
    instanceName: instance?.name,
    zoneId: volume.zoneId,
    zoneName: state.zoneName(volume.zoneId),
    diskOfferingId: detail ? offering?.id : undefined,
    diskOfferingName: detail ? offering?.name : undefined,
    state: volume.state,
    sizeInGb: volume.sizeInGb,
    iops: volume.iops,
  });
}

export function renderNetwork(state: CloudmcSimState, network: NetworkRecord): Wire {
  const acl = state.catalog.networkAcls.find((a) => a.id === network.networkAclId);
  const offering = state.catalog.networkOfferings.find((o) => o.id === network.networkOfferingId);
  return compact({
    id: network.id,
    name: network.name,
    description: network.description,
    ...vpcFields(state, network.vpcId),
    zoneId: network.zoneId,
    zoneName: state.zoneName(network.zoneId),
    cidr: network.cidr,
    gateway: network.gateway,
    netmask: network.netmask,
    networkAclId: acl?.id,
    networkAclName: acl?.name,
    networkOfferingId: network.networkOfferingId,
    networkOfferingName: offering?.name,
    networkOfferingDescription: offering ? `Offering for ${offering.name.toLowerCase()} networks` : undefined,
    state: network.state,
  });
}

export function renderPublicIp(state: CloudmcSimState, ip: PublicIpRecord): Wire {
  const instance = ip.instanceId ? state.instances.get(ip.instanceId) : undefined;
  const network = instance ? state.networks.get(instance.networkId) : undefined;
  return compact({
    id: ip.id,
    ipAddress: ip.ipAddress,
    instances: instance ? [{ id: instance.id, name: instance.name }] : undefined,
    networkId: network?.id,
    networkName: network?.name,
    privateIpId: ip.privateIpId,
    purposes: ip.purposes,
    state: ip.state,
    ...vpcFields(state, ip.vpcId),
    zoneId: ip.zoneId,
    zoneName: state.zoneName(ip.zoneId),
  });
}

/** One default NIC per instance (secondary NICs are not modelled). */
export function renderNic(state: CloudmcSimState, instance: InstanceRecord): Wire {
  const network = state.networks.get(instance.networkId);
  return compact({
    id: instance.nicId,
    name: 'NIC-0',
    ipAddress: instance.ipAddress,
    isDefault: true,
    networkId: instance.networkId,
    networkName: network?.name,
    gateway: network?.gateway,
    netmask: network?.netmask,
    instanceId: instance.id,
    ...vpcFields(state, network?.vpcId),
    secondaryIps: [],
  });
}
