// Records the DCImanager simulator keeps; rendered to the wire shape by dcimanager-sim.render.ts.

export type PowerStatus = 'on' | 'off' | 'unknown';
export type AdminState = 'ok' | 'suspending' | 'suspended' | 'suspend_error' | 'resuming' | 'resume_error';
export type IpStatus = 'allocating' | 'in_progress' | 'deleting' | 'ok' | 'fail' | 'allocation_fail';
export type OperationKind = 'os' | 'clear_hdd' | 'diag';
export type OperationStatus = 'created' | 'running' | 'complete' | 'fail';
export type StageStatus = 'pending' | 'running' | 'complete' | 'fail';

export interface UserRecord {
  id: number;
  email: string;
  password: string;
  fullName: string;
  /** `@admin` or `@user`. */
  role: string;
  vlansPerUser: number;
}

export interface LocationRecord {
  id: number;
  name: string;
  geolocation: string;
  /** IPmanager userspace of the location's addresses. */
  userspace: number;
}

export interface OsTemplateRecord {
  id: number;
  name: string;
  tags: string[];
}

export interface IpnetRecord {
  id: number;
  /** The network in CIDR form, as IPmanager names it. */
  name: string;
  /** Address family number, as IPmanager lists it: 2 (IPv4) or 10 (IPv6). */
  family: 2 | 10;
  mask: number;
  gateway: string;
  userspace: number;
  vlan: string;
  note: string;
  poolId: number;
}

export interface PoolRecord {
  id: number;
  name: string;
  userspace: number;
  note: string;
}

export interface IpRecord {
  id: number;
  address: string;
  family: 'ipv4' | 'ipv6';
  ipnetId: number;
  serverId: number;
  domain: string;
  status: IpStatus;
  statusInfo: Record<string, unknown> | null;
}

export interface StageRecord {
  name: string;
  status: StageStatus;
}

export interface OperationRecord {
  id: number;
  kind: OperationKind;
  status: OperationStatus;
  statusInfo: Record<string, unknown>;
  stages: StageRecord[];
}

export interface SwitchPortRecord {
  id: number;
  switchId: number;
  switchName: string;
  description: string;
  adminStatus: 'up' | 'down';
  operStatus: 'up' | 'down';
  vlanId: number;
  vlanName: string;
}

export interface ServerRecord {
  id: number;
  uuid: string;
  name: string;
  domain: string;
  note: string;
  userNote: string;
  barcode: string;
  serialNumber: string | null;
  mac: string | null;
  /** CPU-RAM-disks code, e.g. `E3-1230v6-32Gb-2x480SSD`; empty when not classified. */
  configuration: string;
  locationId: number;
  rack: { id: number; name: string; size: number };
  unit: number;
  power: PowerStatus;
  state: AdminState;
  stateInfo: string | null;
  operation: OperationRecord | null;
  osTemplateId: number | null;
  /**
   * The public keys the installed OS lets in (`ssh_pub_keys` of its install). Kept for the simulator's own checks:
   * DCImanager shows no keys on the server.
   */
  installedKeys: string[];
  ownerId: number | null;
  isNew: boolean;
  hasErrors: boolean;
  /** Whether a BMC (IPMI) is wired up; without one (and without a PDU) power cannot be switched. */
  hasIpmi: boolean;
  mainIpv4: number | null;
  mainIpv6: number | null;
  switchPorts: SwitchPortRecord[];
}
