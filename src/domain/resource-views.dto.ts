import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import {
  IpActions,
  NetworkActions,
  ServerActions,
  SshKeyActions,
  VolumeActions,
} from './allowed-actions.dto';
import { IpAddress } from './ip-address.dto';
import { Network } from './network.dto';
import { Server } from './server.dto';
import { SshKey } from './ssh-key.dto';
import { ResourceType } from './states';
import { Volume } from './volume.dto';

// What the API serves: the resource as its adapter read it, plus what the gateway adds when it serves it
// (the type, for clients that receive any resource, e.g. a task's result; and what can be done to it now).
// The schemas keep the resources' names. `resourceType` is declared by hand: the Swagger plugin cannot read an
// enum member as a type.

/** A normalized server (virtual machine or bare-metal host). */
@ApiSchema({ name: 'Server' })
export class ServerView extends Server {
  /** Always `server`. */
  @ApiProperty({ enum: [ResourceType.Server] })
  resourceType: ResourceType.Server;
  /** What can be done to the server now, and why not. */
  allowedActions: ServerActions;
}

/** A normalized block volume (disk, drive). */
@ApiSchema({ name: 'Volume' })
export class VolumeView extends Volume {
  /** Always `volume`. */
  @ApiProperty({ enum: [ResourceType.Volume] })
  resourceType: ResourceType.Volume;
  /** What can be done to the volume now, and why not. */
  allowedActions: VolumeActions;
}

/** A normalized network (tier, VPC, VLAN, IP network). */
@ApiSchema({ name: 'Network' })
export class NetworkView extends Network {
  /** Always `network`. */
  @ApiProperty({ enum: [ResourceType.Network] })
  resourceType: ResourceType.Network;
  /** What can be done to the network now, and why not. */
  allowedActions: NetworkActions;
}

/** A normalized IP address (public IP, floating IP, static IP). */
@ApiSchema({ name: 'IpAddress' })
export class IpAddressView extends IpAddress {
  /** Always `ip`. */
  @ApiProperty({ enum: [ResourceType.Ip] })
  resourceType: ResourceType.Ip;
  /** What can be done to the address now, and why not. */
  allowedActions: IpActions;
}

/** An SSH public key kept by a connection. */
@ApiSchema({ name: 'SshKey' })
export class SshKeyView extends SshKey {
  /** Always `sshKey`. */
  @ApiProperty({ enum: [ResourceType.SshKey] })
  resourceType: ResourceType.SshKey;
  /** What can be done to the key now, and why not. */
  allowedActions: SshKeyActions;
}

export interface ViewByType {
  [ResourceType.Server]: ServerView;
  [ResourceType.Volume]: VolumeView;
  [ResourceType.Network]: NetworkView;
  [ResourceType.Ip]: IpAddressView;
  [ResourceType.SshKey]: SshKeyView;
}

export type AnyView = ServerView | VolumeView | NetworkView | IpAddressView | SshKeyView;
