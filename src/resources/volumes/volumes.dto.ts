import { IsEnum, IsNumber, IsObject, IsOptional, Matches, Max, Min, ValidateBy } from 'class-validator';
import { CONNECTION_NAME_PATTERN } from '../../domain/connection-name';
import { VolumeState } from '../../domain/states';
import { VolumeView } from '../../domain/resource-views.dto';
import { ProviderListStatus } from '../../application/provider-list-status.dto';
import { LabeledListQuery } from '../common/list.dto';
import { CreateLabelsProperty } from '../common/labels.dto';
import { IsResourceName, IsResourceRef } from '../common/validators';

/**
 * At most three decimals (MiB steps). class-validator's `maxDecimalPlaces` splits `toString()` on the dot and
 * throws on exponent forms such as 1e-7, which made a tiny size a 500.
 */
function HasAtMostThreeDecimals(): PropertyDecorator {
  return ValidateBy({
    name: 'maxDecimalPlaces',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'number' && Math.abs(Math.round(value * 1000) - value * 1000) < 1e-6,
      defaultMessage: () => '$property must have at most 3 decimal places',
    },
  });
}

export class CreateVolumeRequest {
  /** Provider connection to create the volume on. */
  @Matches(CONNECTION_NAME_PATTERN)
  provider: string;

  @IsResourceName()
  name: string;

  /** Size in GiB. */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @HasAtMostThreeDecimals()
  @Min(0.001)
  @Max(1_048_576)
  sizeGb: number;

  /** Attach the new volume to this server. */
  @IsOptional()
  @IsResourceRef()
  serverId?: string;

  @CreateLabelsProperty()
  labels?: Record<string, string>;

  /** Provider-specific options, checked against the schema in `GET /v1/providers/{name}`. */
  @IsOptional()
  @IsObject()
  providerOptions?: Record<string, unknown>;
}

/** A larger size: volumes only grow. */
export class ResizeVolumeRequest {
  /** The new size in GiB, larger than the volume's size now. */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @HasAtMostThreeDecimals()
  @Min(0.001)
  @Max(1_048_576)
  sizeGb: number;
}

export class AttachRequest {
  /** The server to attach to; it must belong to the same provider connection. */
  @IsResourceRef()
  serverId: string;
}

export class VolumeListQuery extends LabeledListQuery {
  /** Only volumes in this state. */
  @IsOptional()
  @IsEnum(VolumeState)
  state?: VolumeState;
}

export class VolumeList {
  items: VolumeView[];
  /** Pass as `pageToken` for the next page; null on the last page. */
  nextPageToken: string | null;
  /** How each provider connection contributed to this list. */
  providers: ProviderListStatus[];
}
