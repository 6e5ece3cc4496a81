import { IpAddress } from './ip-address.dto';
import { Network } from './network.dto';
import { Server } from './server.dto';
import { SshKey } from './ssh-key.dto';
import { ResourceType } from './states';
import { Volume } from './volume.dto';

export interface ResourceByType {
  [ResourceType.Server]: Server;
  [ResourceType.Volume]: Volume;
  [ResourceType.Network]: Network;
  [ResourceType.Ip]: IpAddress;
  [ResourceType.SshKey]: SshKey;
}

export type AnyResource = Server | Volume | Network | IpAddress | SshKey;
