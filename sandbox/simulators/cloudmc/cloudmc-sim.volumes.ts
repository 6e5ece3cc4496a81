import { randomUUID } from 'node:crypto';
import { asBody, optionalInteger, optionalString, requiredString, requiredStrings } from './cloudmc-sim.body';
import { inUse, invalidField, missingField, wrongState } from './cloudmc-sim.errors';
import type { InstanceRecord, VolumeRecord } from './cloudmc-sim.model';
import { renderVolume } from './cloudmc-sim.render';
import { type CloudmcSimState, DURATIONS } from './cloudmc-sim.state';

// Data volumes: create (attached), attach, detach, delete. Root (os) volumes come and go with their instance.

const CUSTOM_MIN_GB = 5;
const CUSTOM_MAX_GB = 1000;
const ATTACHABLE_STATES = ['Running', 'Stopped'];

function targetInstance(state: CloudmcSimState, instanceId: string, action: string): InstanceRecord {
  const instance = state.findIn(state.instances.values(), 'instanceId', instanceId);
  if (!ATTACHABLE_STATES.includes(instance.state)) {
    throw wrongState('instances', instance.id, instance.state, ATTACHABLE_STATES, action);
  }
  return instance;
}

function zoneOf(state: CloudmcSimState, instance: InstanceRecord): string {
  return state.networks.get(instance.networkId)?.zoneId ?? '';
}

function live(state: CloudmcSimState, volume: VolumeRecord): VolumeRecord {
  if (!state.volumes.has(volume.id)) throw new Error(`Volume ${volume.id} no longer exists`);
  return volume;
}

/** `POST /volumes {name, diskOfferingId, instanceId[, sizeInGb, iops]}`: the docs require an instance. */
export function createVolume(state: CloudmcSimState, raw: unknown): string {
  const body = asBody(raw);
  const { name, diskOfferingId, instanceId } = requiredStrings(body, [
    'name',
    'diskOfferingId',
    'instanceId',
  ]);
  const offering = state.findIn(state.catalog.diskOfferings, 'diskOfferingId', diskOfferingId);
  const instance = targetInstance(state, instanceId, 'attach a volume to');
  let sizeInGb = offering.gbSize;
  if (offering.customSize) {
    const size = optionalInteger(body, 'sizeInGb');
    if (size === undefined) throw missingField('sizeInGb');
    if (size < CUSTOM_MIN_GB || size > CUSTOM_MAX_GB) {
      throw invalidField('sizeInGb', `sizeInGb must be between ${CUSTOM_MIN_GB} and ${CUSTOM_MAX_GB}`);
    }
    sizeInGb = size;
  }
  const iops = offering.customIops ? optionalInteger(body, 'iops') : undefined;
  const volume: VolumeRecord = {
    id: randomUUID(),
    name,
    type: 'data',
    created: new Date(),
    instanceId: instance.id,
    zoneId: zoneOf(state, instance),
    diskOfferingId: offering.id,
    state: 'Creating',
    sizeInGb,
    iops,
  };
  state.volumes.set(volume.id, volume);
  return state.runTask('volumes.create', DURATIONS.volume, {
    complete: () => {
      live(state, volume).state = 'Ready';
      return renderVolume(state, volume, true);
    },
    rollback: () => state.volumes.delete(volume.id),
  });
}

function expectReadyData(volume: VolumeRecord, action: string): void {
  if (volume.type !== 'data') {
    throw inUse('volumes', volume.id, `Cannot ${action} a root volume; it belongs to its instance`, {
      volumeType: volume.type,
    });
  }
  if (volume.state !== 'Ready') throw wrongState('volumes', volume.id, volume.state, ['Ready'], action);
}

export function attachVolume(state: CloudmcSimState, volume: VolumeRecord, raw: unknown): string {
  const body = asBody(raw);
  expectReadyData(volume, 'attach');
  if (volume.instanceId) {
    throw inUse('volumes', volume.id, 'The volume is already attached to an instance', {
      instanceId: volume.instanceId,
    });
  }
  const instance = targetInstance(state, requiredString(body, 'instanceId'), 'attach a volume to');
  if (zoneOf(state, instance) !== volume.zoneId) {
    throw invalidField('instanceId', 'The instance is not in the zone of the volume');
  }
  volume.state = 'Attaching';
  return state.runTask('volumes.attachToInstance', DURATIONS.volume, {
    complete: () => {
      if (!state.instances.has(instance.id)) throw new Error(`Instance ${instance.id} no longer exists`);
      live(state, volume).instanceId = instance.id;
      volume.state = 'Ready';
      return renderVolume(state, volume, true);
    },
    rollback: () => {
      volume.state = 'Ready';
    },
  });
}

export function detachVolume(state: CloudmcSimState, volume: VolumeRecord): string {
  expectReadyData(volume, 'detach');
  if (!volume.instanceId) throw inUse('volumes', volume.id, 'The volume is not attached to an instance');
  const instanceId = volume.instanceId;
  return state.runTask('volumes.detachFromInstance', DURATIONS.volume, {
    complete: () => {
      if (live(state, volume).instanceId === instanceId) volume.instanceId = undefined;
      return renderVolume(state, volume, true);
    },
  });
}

/** Only detached data volumes can be deleted. */
export function deleteVolume(state: CloudmcSimState, volume: VolumeRecord): string {
  expectReadyData(volume, 'delete');
  if (volume.instanceId) {
    throw inUse('volumes', volume.id, 'Detach the volume before deleting it', {
      instanceId: volume.instanceId,
    });
  }
  volume.state = 'Destroy';
  return state.runTask('volumes.delete', DURATIONS.volume, {
    complete: () => {
      state.volumes.delete(live(state, volume).id);
      return { id: volume.id };
    },
    rollback: () => {
      volume.state = 'Ready';
    },
  });
}

/**
 * `?operation=resize {sizeInGb[, iops, diskOfferingId]}`: not in the docs; go-cloudca and Terraform send it to grow
 * a data volume (Terraform refuses to shrink, so does this). CloudStack sizes freely only a custom-size offering:
 * a volume of a fixed-size one needs `diskOfferingId` of a custom-size offering to move to. The volume shows
 * `Resizing`; the instance it is attached to reboots when running (Terraform's docs warn of it).
 */
export function resizeVolume(state: CloudmcSimState, volume: VolumeRecord, raw: unknown): string {
  const body = asBody(raw);
  expectReadyData(volume, 'resize');
  const size = optionalInteger(body, 'sizeInGb');
  if (size === undefined) throw missingField('sizeInGb');
  const offeringId = optionalString(body, 'diskOfferingId');
  const offering = offeringId
    ? state.findIn(state.catalog.diskOfferings, 'diskOfferingId', offeringId)
    : state.catalog.diskOfferings.find((o) => o.id === volume.diskOfferingId);
  if (!offering?.customSize) {
    throw invalidField(
      offeringId ? 'diskOfferingId' : 'sizeInGb',
      'The disk offering has a fixed size; give diskOfferingId of a custom-size offering',
    );
  }
  if (size <= volume.sizeInGb) {
    throw invalidField('sizeInGb', `sizeInGb must be larger than the current ${volume.sizeInGb}`, {
      currentSizeInGb: volume.sizeInGb,
    });
  }
  if (size > CUSTOM_MAX_GB) throw invalidField('sizeInGb', `sizeInGb must be at most ${CUSTOM_MAX_GB}`);
  const iops = optionalInteger(body, 'iops');
  if (iops !== undefined && !offering.customIops)
    throw invalidField('iops', 'The disk offering does not take custom IOPS');
  const instance = volume.instanceId ? state.instances.get(volume.instanceId) : undefined;
  const rebooting = instance?.state === 'Running' ? instance : undefined;
  volume.state = 'Resizing';
  if (rebooting) rebooting.state = 'Rebooting';
  const settle = () => {
    if (volume.state === 'Resizing') volume.state = 'Ready';
    if (rebooting?.state === 'Rebooting') rebooting.state = 'Running';
  };
  return state.runTask('volumes.resize', DURATIONS.volumeResize, {
    complete: () => {
      live(state, volume).sizeInGb = size;
      volume.diskOfferingId = offering.id;
      if (iops !== undefined) volume.iops = iops;
      settle();
      return renderVolume(state, volume, true);
    },
    rollback: settle,
  });
}
