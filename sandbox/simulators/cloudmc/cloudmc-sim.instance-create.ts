import { randomUUID } from 'node:crypto';
import {
  type Body,
  asBody,
  optionalInteger,
  optionalString,
  optionalStringArray,
  requiredStrings,
} from './cloudmc-sim.body';
import { invalidField, missingField } from './cloudmc-sim.errors';
import type { ComputeOffering, InstanceRecord, Template, VolumeRecord } from './cloudmc-sim.model';
import { renderInstance } from './cloudmc-sim.render';
import { publicKeyBlob } from './cloudmc-sim.ssh-keys';
import { type CloudmcSimState, DURATIONS } from './cloudmc-sim.state';
import { randomMac, randomPassword } from './cloudmc-sim.util';

const GiB = 1024 ** 3;
/** CloudStack's default `vm.userdata.max.length`: characters of base64. */
const USER_DATA_MAX_BASE64 = 32_768;
// Bounds for custom-size data disks: not documented, chosen to look like a typical CloudStack setup.
const CUSTOM_DISK_MIN_GB = 5;
const CUSTOM_DISK_MAX_GB = 1000;

/** cpuCount/memoryInMB: from a fixed offering, or validated against a custom offering's allowed values. */
export function sizing(offering: ComputeOffering, body: Body): { cpuCount: number; memoryInMB: number } {
  if (!offering.custom) return { cpuCount: offering.cpuCount ?? 1, memoryInMB: offering.memoryInMB ?? 1024 };
  const cpuCount = optionalInteger(body, 'cpuCount');
  const memoryInMB = optionalInteger(body, 'memoryInMB');
  if (cpuCount === undefined) throw missingField('cpuCount');
  if (memoryInMB === undefined) throw missingField('memoryInMB');
  const cpus = offering.availableCpuCountValues ?? [];
  const memories = offering.availableMemoryInMBValues ?? [];
  if (!cpus.includes(cpuCount)) {
    throw invalidField('cpuCount', `cpuCount must be one of ${cpus.join(', ')}`, { allowedValues: cpus });
  }
  if (!memories.includes(memoryInMB)) {
    throw invalidField('memoryInMB', `memoryInMB must be one of ${memories.join(', ')}`, {
      allowedValues: memories,
    });
  }
  const ratio = offering.maxMemoryInMBToCpuRatio;
  if (ratio !== undefined && memoryInMB / cpuCount > ratio) {
    throw invalidField('memoryInMB', `memoryInMB may be at most ${ratio} per vCPU`, {
      maxMemoryInMBToCpuRatio: ratio,
    });
  }
  return { cpuCount, memoryInMB };
}

function rootVolumeSize(template: Template, body: Body): number {
  const base = Math.ceil(template.size / GiB);
  const requested = optionalInteger(body, 'rootVolumeSizeInGb');
  if (requested === undefined) return base;
  if (!template.resizable)
    throw invalidField('rootVolumeSizeInGb', `Template ${template.name} is not resizable`);
  if (requested < base || requested > template.maxSizeInGb) {
    throw invalidField(
      'rootVolumeSizeInGb',
      `rootVolumeSizeInGb must be between ${base} and ${template.maxSizeInGb}`,
    );
  }
  return requested;
}

interface DataDisk {
  diskOfferingId: string;
  sizeInGb: number;
  iops?: number;
}

function dataDisk(state: CloudmcSimState, body: Body): DataDisk | undefined {
  const offeringId = optionalString(body, 'diskOfferingId');
  if (!offeringId) return undefined;
  const offering = state.findIn(state.catalog.diskOfferings, 'diskOfferingId', offeringId);
  let sizeInGb = offering.gbSize;
  if (offering.customSize) {
    const size = optionalInteger(body, 'additionalDiskSizeInGb');
    if (size === undefined) throw missingField('additionalDiskSizeInGb');
    if (size < CUSTOM_DISK_MIN_GB || size > CUSTOM_DISK_MAX_GB) {
      throw invalidField(
        'additionalDiskSizeInGb',
        `additionalDiskSizeInGb must be between ${CUSTOM_DISK_MIN_GB} and ${CUSTOM_DISK_MAX_GB}`,
      );
    }
    sizeInGb = size;
  }
  let iops: number | undefined;
  if (offering.customIops) {
    iops = optionalInteger(body, 'additionalDiskIops');
    if (iops !== undefined && (iops < (offering.minIops ?? 0) || iops > (offering.maxIops ?? Infinity))) {
      throw invalidField(
        'additionalDiskIops',
        `additionalDiskIops must be between ${offering.minIops} and ${offering.maxIops}`,
      );
    }
  }
  return { diskOfferingId: offering.id, sizeInGb, iops };
}

function portsToForward(body: Body, inVpc: boolean): string[] {
  const ports = optionalStringArray(body, 'portsToForward') ?? [];
  for (const port of ports) {
    if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
      throw invalidField('portsToForward', `${port} is not a valid port`);
    }
  }
  // Public IPs are scoped to a VPC, so forwarding needs a VPC tier.
  if (ports.length > 0 && !inVpc)
    throw invalidField('portsToForward', 'Port forwarding needs a network in a VPC');
  return ports;
}

/** `POST /instances`: validates everything up front, shows the VM as Starting, and runs a create task. */
export function createInstance(state: CloudmcSimState, raw: unknown): string {
  const body = asBody(raw);
  const {
    name,
    templateId,
    computeOfferingId: offeringId,
    networkId,
  } = requiredStrings(body, ['name', 'templateId', 'computeOfferingId', 'networkId']);
  const network = state.findIn(state.networks.values(), 'networkId', networkId);
  if (network.state === 'Destroy')
    throw invalidField('networkId', `Network ${network.name} is being deleted`);
  const template = state.findIn(state.catalog.templates, 'templateId', templateId);
  if (!template.availableInZones.includes(network.zoneId)) {
    throw invalidField(
      'templateId',
      `Template ${template.name} is not available in zone ${state.zoneName(network.zoneId)}`,
    );
  }
  const offering = state.findIn(state.catalog.computeOfferings, 'computeOfferingId', offeringId);
  const { cpuCount, memoryInMB } = sizing(offering, body);
  const rootSize = rootVolumeSize(template, body);
  const disk = dataDisk(state, body);
  const attachId = optionalString(body, 'volumeIdToAttach');
  const toAttach = attachId ? state.findIn(state.volumes.values(), 'volumeIdToAttach', attachId) : undefined;
  if (toAttach && (toAttach.type !== 'data' || toAttach.instanceId || toAttach.state !== 'Ready')) {
    throw invalidField('volumeIdToAttach', 'The volume must be a detached data volume in the Ready state');
  }
  if (toAttach && toAttach.zoneId !== network.zoneId) {
    throw invalidField('volumeIdToAttach', 'The volume is not in the zone of the network');
  }
  const sshKeyName = optionalString(body, 'sshKeyName');
  if (sshKeyName && !state.sshKeys.has(sshKeyName)) {
    throw invalidField('sshKeyName', `No SSH key named ${sshKeyName}`);
  }
  const publicKey = optionalString(body, 'publicKey');
  // One key for the default user: by name or as text, not both (Terraform: mutually exclusive).
  if (sshKeyName && publicKey) throw invalidField('publicKey', 'Give sshKeyName or publicKey, not both');
  if (publicKey !== undefined && !publicKeyBlob(publicKey))
    throw invalidField('publicKey', 'The public key is not a valid OpenSSH public key');
  const userData = optionalString(body, 'userData') ?? '';
  // CloudMC takes the text and hands CloudStack its base64, which CloudStack caps at 32768 characters.
  if (Buffer.from(userData, 'utf8').toString('base64').length > USER_DATA_MAX_BASE64) {
    throw invalidField(
      'userData',
      `userData may be at most ${USER_DATA_MAX_BASE64} characters once base64-encoded`,
    );
  }
  const affinityGroupId = optionalString(body, 'affinityGroupId');
  const affinityGroupIds =
    optionalStringArray(body, 'affinityGroupIds') ?? (affinityGroupId ? [affinityGroupId] : []);
  const ports = portsToForward(body, network.vpcId !== undefined);
  const ipAddress = state.allocatePrivateIp(network, optionalString(body, 'ipAddress'));

  const instance: InstanceRecord = {
    id: randomUUID(),
    name,
    hostname: name,
    state: 'Starting',
    templateId,
    computeOfferingId: offering.id,
    cpuCount,
    memoryInMB,
    networkId: network.id,
    ipAddress,
    ipAddressId: randomUUID(),
    nicId: randomUUID(),
    macAddress: randomMac(),
    userData,
    sshKeyName,
    publicKey: publicKey?.trim() ?? (sshKeyName ? state.sshKeys.get(sshKeyName)?.publicKey : undefined),
    affinityGroupIds,
  };
  const now = new Date();
  const base = { created: now, instanceId: instance.id, zoneId: network.zoneId, state: 'Creating' };
  const volumes: VolumeRecord[] = [
    { ...base, id: randomUUID(), name: `ROOT-${name}`, type: 'os', sizeInGb: rootSize },
  ];
  if (disk) volumes.push({ ...base, id: randomUUID(), name: `DATA-${name}`, type: 'data', ...disk });
  const networkStateBefore = network.state;
  state.instances.set(instance.id, instance);
  for (const volume of volumes) state.volumes.set(volume.id, volume);
  if (toAttach) toAttach.instanceId = instance.id;

  return state.runTask('instances.create', DURATIONS.instanceCreate, {
    complete: () => {
      if (!state.instances.has(instance.id))
        throw new Error(`Instance ${instance.id} vanished while being created`);
      instance.state = 'Running';
      for (const volume of volumes) if (state.volumes.has(volume.id)) volume.state = 'Ready';
      network.state = 'Implemented';
      if (ports.length > 0) {
        const ip = state.allocatePublicIp();
        const id = randomUUID();
        state.publicIps.set(id, {
          id,
          ipAddress: ip,
          state: 'Allocated',
          vpcId: network.vpcId!,
          zoneId: network.zoneId,
          purposes: ['PORT_FORWARDING'],
          instanceId: instance.id,
          ports,
        });
      }
      // The password is shown once, here; it cannot be read back later.
      return { ...renderInstance(state, instance, true), password: randomPassword() };
    },
    rollback: () => {
      state.instances.delete(instance.id);
      for (const volume of volumes) state.volumes.delete(volume.id);
      if (toAttach?.instanceId === instance.id) toAttach.instanceId = undefined;
      if (state.instancesOn(network.id).length === 0) network.state = networkStateBefore;
    },
  });
}
