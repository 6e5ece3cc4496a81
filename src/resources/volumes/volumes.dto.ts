import { IsEnum, IsNumber, IsObject, IsOptional, Matches, Max, Min } from 'class-validator';
import { CONNECTION_NAME_PATTERN } from '../../common/ids/resource-id';
import { VolumeState } from '../../domain/states';
import { Volume } from '../../domain/volume.dto';
import { ListQuery, ProviderListStatus } from '../common/list.dto';
import { IsResourceName, IsResourceRef } from '../common/validators';

export class CreateVolumeRequest {
  /** Provider connection to create the volume on. */
  @Matches(CONNECTION_NAME_PATTERN)
  provider: string;

  @IsResourceName()
  name: string;

  /** Size in GiB. */
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 3 })
  @Min(0.001)
  @Max(1_048_576)
  sizeGb: number;

  /** Attach the new volume to this server. */
  @IsOptional()
  @IsResourceRef()
  serverId?: string;

  /** Provider-specific options, checked against the schema in `GET /v1/providers/{name}`. */
  @IsOptional()
  @IsObject()
  providerOptions?: Record<string, unknown>;
}

export class AttachRequest {
  /** The server to attach to; it must belong to the same provider connection. */
  @IsResourceRef()
  serverId: string;
}

export class VolumeListQuery extends ListQuery {
  /** Only volumes in this state. */
  @IsOptional()
  @IsEnum(VolumeState)
  state?: VolumeState;
}

export class VolumeList {
  items: Volume[];
  /** Pass as `pageToken` for the next page; null on the last page. */
  nextPageToken: string | null;
  /** How each provider connection contributed to this list. */
  providers: ProviderListStatus[];
}
