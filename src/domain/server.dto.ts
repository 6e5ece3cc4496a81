import { ApiProperty } from '@nestjs/swagger';
import { LabeledResource } from './resource-base.dto';
import { ServerState } from './states';

export class IpAddressRef {
  /** The address in text form. */
  address: string;
  /** 4 or 6. */
  @ApiProperty({ enum: [4, 6], type: 'integer' })
  version: number;
  /** Whether the address is reachable from the internet. */
  public: boolean;
}

/** A normalized server (virtual machine or bare-metal host). */
export class Server extends LabeledResource {
  /** Normalized state; `providerState` keeps the raw value. */
  state: ServerState;
  /** Number of virtual or physical CPU cores, when known. */
  cpuCores: number | null;
  /** CPU quota in MHz, for backends that sell CPU by frequency. */
  cpuMhz: number | null;
  /** Memory in MiB. */
  memoryMb: number | null;
  /** Gateway id of the image the server was built from, when known. */
  imageId: string | null;
  /** Gateway id of the plan (size, offering, configuration), when known. */
  planId: string | null;
  /** Gateway id of the location (zone, region, data centre), when known. */
  locationId: string | null;
  ipAddresses: IpAddressRef[];
  /** Gateway ids of attached volumes. */
  volumeIds: string[];
  /** Gateway ids of networks the server is connected to. */
  networkIds: string[];
}
