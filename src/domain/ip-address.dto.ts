import { ApiProperty } from '@nestjs/swagger';
import { LabeledResource } from './resource-base.dto';
import { IpState } from './states';

/** A normalized IP address (public IP, floating IP, static IP). */
export class IpAddress extends LabeledResource {
  state: IpState;
  /** The address in text form. */
  address: string;
  /** 4 or 6. */
  @ApiProperty({ enum: [4, 6], type: 'integer' })
  version: number;
  /** Gateway id of the server the address is attached to. */
  serverId: string | null;
  /** Gateway id of the network the address belongs to. */
  networkId: string | null;
  /** Whether the address is reachable from the internet. */
  public: boolean;
}
