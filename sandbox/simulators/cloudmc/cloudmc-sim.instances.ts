import {
  asBody,
  optionalBoolean,
  optionalString,
  optionalStringArray,
  requiredString,
} from './cloudmc-sim.body';
import { invalidField, missingField, wrongState } from './cloudmc-sim.errors';
import { sizing } from './cloudmc-sim.instance-create';
import type { InstanceRecord, InstanceState } from './cloudmc-sim.model';
import { renderInstance } from './cloudmc-sim.render';
import { type CloudmcSimState, DURATIONS } from './cloudmc-sim.state';

// Instance update, power operations and destroy/purge/recover, following the documented preconditions.

function expectState(instance: InstanceRecord, expected: InstanceState[], action: string): InstanceState {
  if (!expected.includes(instance.state)) {
    throw wrongState('instances', instance.id, instance.state, expected, action);
  }
  return instance.state;
}

/** The task fails when the instance disappeared under it (e.g. reset or a concurrent purge). */
function live(state: CloudmcSimState, instance: InstanceRecord): InstanceRecord {
  if (!state.instances.has(instance.id)) throw new Error(`Instance ${instance.id} no longer exists`);
  return instance;
}

/** Moves from a transitional state to the final one, unless something else already moved it on. */
function settle(instance: InstanceRecord, from: InstanceState, to: InstanceState): void {
  if (instance.state === from) instance.state = to;
}

/** Static NAT and port forwarding go away with the VM (CloudStack cleans them up on destroy). */
function dropPublicIpRules(state: CloudmcSimState, instance: InstanceRecord): void {
  for (const ip of state.publicIps.values()) {
    if (ip.instanceId !== instance.id) continue;
    ip.instanceId = undefined;
    ip.privateIpId = undefined;
    ip.purposes = [];
    ip.ports = [];
  }
}

interface DestroyOptions {
  purge: boolean;
  volumeIdsToDelete: string[];
  publicIpIdsToRelease: string[];
}

function destroyResources(state: CloudmcSimState, instance: InstanceRecord, options: DestroyOptions): void {
  dropPublicIpRules(state, instance);
  for (const id of options.publicIpIdsToRelease) state.publicIps.delete(id);
  for (const id of options.volumeIdsToDelete) state.volumes.delete(id);
  for (const volume of state.volumes.values()) {
    if (volume.instanceId !== instance.id) continue;
    if (volume.type === 'os') {
      if (options.purge) state.volumes.delete(volume.id);
      else volume.state = 'Destroy';
    } else if (options.purge) {
      // Data volumes survive an expunge, detached.
      volume.instanceId = undefined;
    }
  }
  if (options.purge) state.instances.delete(instance.id);
  else instance.state = 'Destroyed';
}

export function updateInstance(state: CloudmcSimState, instance: InstanceRecord, raw: unknown): string {
  const body = asBody(raw);
  const name = optionalString(body, 'name');
  const hostname = optionalString(body, 'hostname');
  if (!name && !hostname) throw missingField('name');
  const before = expectState(instance, ['Running', 'Stopped'], 'update');
  // A hostname change reboots a running VM (documented).
  const reboots = hostname !== undefined && hostname !== instance.hostname && before === 'Running';
  if (reboots) instance.state = 'Rebooting';
  return state.runTask('instances.update', reboots ? DURATIONS.instancePower : DURATIONS.instanceRename, {
    complete: () => {
      live(state, instance);
      if (name) instance.name = name;
      if (hostname) instance.hostname = hostname;
      settle(instance, 'Rebooting', 'Running');
      return renderInstance(state, instance, true);
    },
    rollback: () => settle(instance, 'Rebooting', before),
  });
}

export function startInstance(state: CloudmcSimState, instance: InstanceRecord): string {
  expectState(instance, ['Stopped'], 'start');
  instance.state = 'Starting';
  return state.runTask('instances.start', DURATIONS.instancePower, {
    complete: () => {
      settle(live(state, instance), 'Starting', 'Running');
      return renderInstance(state, instance, true);
    },
    rollback: () => settle(instance, 'Starting', 'Stopped'),
  });
}

export function stopInstance(state: CloudmcSimState, instance: InstanceRecord, raw: unknown): string {
  const force = optionalBoolean(asBody(raw), 'forceStop') ?? false;
  const before = expectState(instance, ['Running', 'Stopping'], 'stop');
  instance.state = 'Stopping';
  // Stopping a VM that is already Stopping forces the stop (documented).
  const duration = force || before === 'Stopping' ? DURATIONS.instanceForceStop : DURATIONS.instancePower;
  return state.runTask('instances.stop', duration, {
    complete: () => {
      settle(live(state, instance), 'Stopping', 'Stopped');
      return renderInstance(state, instance, true);
    },
    rollback: () => settle(instance, 'Stopping', 'Running'),
  });
}

export function rebootInstance(state: CloudmcSimState, instance: InstanceRecord): string {
  const before = expectState(instance, ['Running', 'Stopped'], 'reboot');
  instance.state = 'Rebooting';
  // The docs allow rebooting a stopped VM; it comes back Running.
  return state.runTask('instances.reboot', DURATIONS.instancePower, {
    complete: () => {
      settle(live(state, instance), 'Rebooting', 'Running');
      return renderInstance(state, instance, true);
    },
    rollback: () => settle(instance, 'Rebooting', before),
  });
}

/** `DELETE /instances/:id` with optional `{purgeImmediately, deleteSnapshots, publicIpIdsToRelease, volumeIdsToDelete}`. */
export function deleteInstance(state: CloudmcSimState, instance: InstanceRecord, raw: unknown): string {
  const body = asBody(raw);
  const purge = optionalBoolean(body, 'purgeImmediately') ?? false;
  optionalBoolean(body, 'deleteSnapshots');
  const volumeIdsToDelete = optionalStringArray(body, 'volumeIdsToDelete') ?? [];
  const publicIpIdsToRelease = optionalStringArray(body, 'publicIpIdsToRelease') ?? [];
  for (const id of volumeIdsToDelete) {
    const volume = state.volumes.get(id);
    if (!volume || volume.type !== 'data' || (volume.instanceId && volume.instanceId !== instance.id)) {
      throw invalidField(
        'volumeIdsToDelete',
        `${id} is not a data volume of this instance or a detached one`,
        { value: id },
      );
    }
  }
  for (const id of publicIpIdsToRelease) {
    const ip = state.publicIps.get(id);
    if (!ip || ip.purposes.includes('SOURCE_NAT')) {
      throw invalidField('publicIpIdsToRelease', `${id} is not a releasable public IP`, { value: id });
    }
  }
  const before = expectState(instance, ['Running', 'Stopped', 'Error'], 'destroy');
  const transitional: InstanceState = purge ? 'Expunging' : before === 'Running' ? 'Stopping' : before;
  instance.state = transitional;
  return state.runTask('instances.delete', DURATIONS.instanceDelete, {
    complete: () => {
      destroyResources(state, live(state, instance), { purge, volumeIdsToDelete, publicIpIdsToRelease });
      return purge ? { id: instance.id } : renderInstance(state, instance, true);
    },
    rollback: () => settle(instance, transitional, before),
  });
}

export function purgeInstance(state: CloudmcSimState, instance: InstanceRecord): string {
  expectState(instance, ['Destroyed'], 'purge');
  instance.state = 'Expunging';
  return state.runTask('instances.purge', DURATIONS.instanceDelete, {
    complete: () => {
      destroyResources(state, live(state, instance), {
        purge: true,
        volumeIdsToDelete: [],
        publicIpIdsToRelease: [],
      });
      return { id: instance.id };
    },
    rollback: () => settle(instance, 'Expunging', 'Destroyed'),
  });
}

export function recoverInstance(state: CloudmcSimState, instance: InstanceRecord): string {
  expectState(instance, ['Destroyed'], 'recover');
  return state.runTask('instances.recover', DURATIONS.instanceRecover, {
    complete: () => {
      settle(live(state, instance), 'Destroyed', 'Stopped');
      for (const volume of state.volumes.values()) {
        if (volume.instanceId === instance.id && volume.type === 'os') volume.state = 'Ready';
      }
      return renderInstance(state, instance, true);
    },
  });
}

/**
 * `?operation=changeComputeOffering {computeOfferingId[, cpuCount, memoryInMB]}`: sizes as a create does (a custom
 * offering needs the values it lists). The docs warn it forces a reboot: a running VM goes Stopping, then Starting,
 * and runs again with the new offering; a stopped one stays stopped. Moving to the fixed offering the VM already
 * has is refused, as CloudStack refuses it.
 */
export function changeComputeOffering(
  state: CloudmcSimState,
  instance: InstanceRecord,
  raw: unknown,
): string {
  const body = asBody(raw);
  const offeringId = requiredString(body, 'computeOfferingId');
  const offering = state.findIn(state.catalog.computeOfferings, 'computeOfferingId', offeringId);
  const { cpuCount, memoryInMB } = sizing(offering, body);
  if (!offering.custom && offering.id === instance.computeOfferingId) {
    throw invalidField(
      'computeOfferingId',
      `The instance already has the compute offering ${offering.name}`,
      {
        value: offering.id,
      },
    );
  }
  const before = expectState(instance, ['Running', 'Stopped'], 'change the compute offering of');
  if (before === 'Running') {
    instance.state = 'Stopping';
    state.clock.after(DURATIONS.instanceResize / 2, () => settle(instance, 'Stopping', 'Starting'));
  }
  const back = () => {
    settle(instance, 'Stopping', before);
    settle(instance, 'Starting', before);
  };
  return state.runTask('instances.changeComputeOffering', DURATIONS.instanceResize, {
    complete: () => {
      live(state, instance);
      instance.computeOfferingId = offering.id;
      instance.cpuCount = cpuCount;
      instance.memoryInMB = memoryInMB;
      back();
      return renderInstance(state, instance, true);
    },
    rollback: back,
  });
}
