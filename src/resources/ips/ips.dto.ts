import { IsEnum, IsObject, IsOptional, Matches } from 'class-validator';
import { CONNECTION_NAME_PATTERN } from '../../domain/connection-name';
import { IpAddressView } from '../../domain/resource-views.dto';
import { IpState } from '../../domain/states';
import { ProviderListStatus } from '../../application/provider-list-status.dto';
import { CreateLabelsProperty } from '../common/labels.dto';
import { LabeledListQuery } from '../common/list.dto';
import { IsResourceRef } from '../common/validators';

export class AllocateIpRequest {
  /** Provider connection to allocate the address on. */
  @Matches(CONNECTION_NAME_PATTERN)
  provider: string;

  /** Attach the new address to this server. */
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

export class IpListQuery extends LabeledListQuery {
  /** Only addresses in this state. */
  @IsOptional()
  @IsEnum(IpState)
  state?: IpState;
}

export class IpList {
  items: IpAddressView[];
  /** Pass as `pageToken` for the next page; null on the last page. */
  nextPageToken: string | null;
  /** How each provider connection contributed to this list. */
  providers: ProviderListStatus[];
}
