/** Normalized lifecycle of a server, whatever the backend calls it. */
export enum ServerState {
  Provisioning = 'provisioning',
  Starting = 'starting',
  Running = 'running',
  Stopping = 'stopping',
  Stopped = 'stopped',
  Rebooting = 'rebooting',
  Suspended = 'suspended',
  Deleting = 'deleting',
  Deleted = 'deleted',
  Error = 'error',
  Unknown = 'unknown',
}

export enum VolumeState {
  Creating = 'creating',
  Available = 'available',
  Attaching = 'attaching',
  InUse = 'in-use',
  Detaching = 'detaching',
  Deleting = 'deleting',
  Deleted = 'deleted',
  Error = 'error',
  Unknown = 'unknown',
}

export enum NetworkState {
  Creating = 'creating',
  Available = 'available',
  Deleting = 'deleting',
  Deleted = 'deleted',
  Error = 'error',
  Unknown = 'unknown',
}

export enum IpState {
  Allocating = 'allocating',
  Available = 'available',
  Attached = 'attached',
  Releasing = 'releasing',
  Error = 'error',
  Unknown = 'unknown',
}

export enum ProviderKind {
  Imco = 'imco',
  Cloudmc = 'cloudmc',
  Dcimanager = 'dcimanager',
  Cloudsigma = 'cloudsigma',
}

export enum ResourceType {
  Server = 'server',
  Volume = 'volume',
  Network = 'network',
  Ip = 'ip',
  SshKey = 'sshKey',
}
