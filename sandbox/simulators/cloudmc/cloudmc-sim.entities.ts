import { notFound } from './cloudmc-sim.errors';
import { createInstance } from './cloudmc-sim.instance-create';
import {
  changeComputeOffering,
  deleteInstance,
  purgeInstance,
  rebootInstance,
  recoverInstance,
  startInstance,
  stopInstance,
  updateInstance,
} from './cloudmc-sim.instances';
import { createNetwork, deleteNetwork, updateNetwork } from './cloudmc-sim.networks';
import {
  acquirePublicIp,
  disableStaticNat,
  enableStaticNat,
  releasePublicIp,
} from './cloudmc-sim.public-ips';
import { renderInstance, renderNetwork, renderNic, renderPublicIp, renderVolume } from './cloudmc-sim.render';
import type { CloudmcSimState } from './cloudmc-sim.state';
import { createSshKey, deleteSshKey, renderSshKey } from './cloudmc-sim.ssh-keys';
import { attachVolume, createVolume, deleteVolume, detachVolume, resizeVolume } from './cloudmc-sim.volumes';

// The entity types served under /services/:code/:env/, and what each supports. A missing verb answers 405.

export type Query = Record<string, string | undefined>;

export interface EntityHandler {
  list(query: Query): unknown[];
  get(id: string): unknown;
  /** Each mutation returns the id of the task it started. */
  create?(body: unknown): string;
  update?(id: string, body: unknown): string;
  remove?(id: string, body: unknown): string;
  operations?: Record<string, (id: string, body: unknown) => string>;
}

/** A read-only catalog addressed by `key`. */
function catalog<T extends object>(
  type: string,
  items: () => T[],
  key: keyof T,
  filter: (item: T, query: Query) => boolean = () => true,
): EntityHandler {
  return {
    list: (query) => items().filter((item) => filter(item, query)),
    get: (id) => {
      const item = items().find((i) => i[key] === id);
      if (!item) throw notFound(type, id);
      return item;
    },
  };
}

/** Matches when the query parameter is absent or equal (case-insensitive) to the value. */
const matches = (wanted: string | undefined, value: string | undefined): boolean =>
  wanted === undefined || wanted.toLowerCase() === (value ?? '').toLowerCase();

export function buildEntities(state: CloudmcSimState): Record<string, EntityHandler> {
  const instance = (id: string) => state.requireRecord(state.instances, 'instances', id);
  const volume = (id: string) => state.requireRecord(state.volumes, 'volumes', id);
  const network = (id: string) => state.requireRecord(state.networks, 'networks', id);
  const publicIp = (id: string) => state.requireRecord(state.publicIps, 'publicipaddresses', id);
  const c = () => state.catalog;

  return {
    instances: {
      list: () => [...state.instances.values()].map((i) => renderInstance(state, i, false)),
      get: (id) => renderInstance(state, instance(id), true),
      create: (body) => createInstance(state, body),
      update: (id, body) => updateInstance(state, instance(id), body),
      remove: (id, body) => deleteInstance(state, instance(id), body),
      operations: {
        start: (id) => startInstance(state, instance(id)),
        stop: (id, body) => stopInstance(state, instance(id), body),
        reboot: (id) => rebootInstance(state, instance(id)),
        purge: (id) => purgeInstance(state, instance(id)),
        recover: (id) => recoverInstance(state, instance(id)),
        changeComputeOffering: (id, body) => changeComputeOffering(state, instance(id), body),
      },
    },
    volumes: {
      list: (q) =>
        [...state.volumes.values()]
          .filter((v) => matches(q.type, v.type) && matches(q.instance_id, v.instanceId))
          .map((v) => renderVolume(state, v, false)),
      get: (id) => renderVolume(state, volume(id), true),
      create: (body) => createVolume(state, body),
      remove: (id) => deleteVolume(state, volume(id)),
      operations: {
        attachToInstance: (id, body) => attachVolume(state, volume(id), body),
        detachFromInstance: (id) => detachVolume(state, volume(id)),
        // Not in the docs: what go-cloudca and Terraform call to grow a volume.
        resize: (id, body) => resizeVolume(state, volume(id), body),
      },
    },
    networks: {
      list: (q) =>
        [...state.networks.values()]
          .filter((n) => matches(q.vpc_id, n.vpcId) && matches(q.zone_id, n.zoneId))
          .map((n) => renderNetwork(state, n)),
      get: (id) => renderNetwork(state, network(id)),
      create: (body) => createNetwork(state, body),
      update: (id, body) => updateNetwork(state, network(id), body),
      remove: (id) => deleteNetwork(state, network(id)),
    },
    publicipaddresses: {
      list: (q) =>
        [...state.publicIps.values()]
          .filter((p) => matches(q.vpc_id, p.vpcId) && matches(q.instance_id, p.instanceId))
          .map((p) => renderPublicIp(state, p)),
      get: (id) => renderPublicIp(state, publicIp(id)),
      create: (body) => acquirePublicIp(state, body),
      remove: (id) => releasePublicIp(state, publicIp(id)),
      operations: {
        enableStaticNat: (id, body) => enableStaticNat(state, publicIp(id), body),
        disableStaticNat: (id) => disableStaticNat(state, publicIp(id)),
      },
    },
    nics: {
      list: (q) =>
        [...state.instances.values()]
          .filter((i) => matches(q.instance_id, i.id) && matches(q.network_id, i.networkId))
          .map((i) => renderNic(state, i)),
      get: (id) => {
        const owner = [...state.instances.values()].find((i) => i.nicId === id);
        if (!owner) throw notFound('nics', id);
        return renderNic(state, owner);
      },
    },
    vpcs: catalog(
      'vpcs',
      () => [...state.vpcs.values()],
      'id',
      (v, q) => matches(q.zone_id, v.zoneId),
    ),
    zones: catalog('zones', () => c().zones, 'id'),
    templates: catalog(
      'templates',
      () => c().templates,
      'id',
      (t, q) => !q.zone_id || t.availableInZones.includes(q.zone_id),
    ),
    computeofferings: catalog('computeofferings', () => c().computeOfferings, 'id'),
    diskofferings: catalog('diskofferings', () => c().diskOfferings, 'id'),
    networkofferings: catalog('networkofferings', () => c().networkOfferings, 'id'),
    vpcofferings: catalog('vpcofferings', () => c().vpcOfferings, 'id'),
    // The global default_allow / default_deny lists show up for every VPC.
    networkacls: catalog(
      'networkacls',
      () => c().networkAcls,
      'id',
      (a, q) => !q.vpc_id || !a.vpcId || a.vpcId === q.vpc_id,
    ),
    // Addressed by name (`/sshkeys/:name`); no operations.
    sshkeys: {
      list: () => [...state.sshKeys.values()].map(renderSshKey),
      get: (name) => renderSshKey(state.requireRecord(state.sshKeys, 'sshkeys', name)),
      create: (body) => createSshKey(state, body),
      remove: (name) => deleteSshKey(state, state.requireRecord(state.sshKeys, 'sshkeys', name)),
    },
  };
}
