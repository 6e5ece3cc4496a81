import { IsEnum, IsObject, IsOptional, Matches } from 'class-validator';
import { CONNECTION_NAME_PATTERN } from '../../domain/connection-name';
import { NetworkView } from '../../domain/resource-views.dto';
import { NetworkState } from '../../domain/states';
import { ProviderListStatus } from '../../application/provider-list-status.dto';
import { CreateLabelsProperty } from '../common/labels.dto';
import { LabeledListQuery } from '../common/list.dto';
import { IsResourceName } from '../common/validators';

/** IPv4 `a.b.c.d/n` or IPv6 `x:x::/n`. */
export const CIDR =
  /^((25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)|[0-9A-Fa-f:]{2,39}\/(12[0-8]|1[01]\d|[1-9]?\d))$/;

export class CreateNetworkRequest {
  /** Provider connection to create the network on. */
  @Matches(CONNECTION_NAME_PATTERN)
  provider: string;

  @IsResourceName()
  name: string;

  /** Address range, for backends that take one. */
  @IsOptional()
  @Matches(CIDR, { message: 'cidr must be an IPv4 or IPv6 range such as 10.0.0.0/24' })
  cidr?: string;

  @CreateLabelsProperty()
  labels?: Record<string, string>;

  /** Provider-specific options, checked against the schema in `GET /v1/providers/{name}`. */
  @IsOptional()
  @IsObject()
  providerOptions?: Record<string, unknown>;
}

export class NetworkListQuery extends LabeledListQuery {
  /** Only networks in this state. */
  @IsOptional()
  @IsEnum(NetworkState)
  state?: NetworkState;
}

export class NetworkList {
  items: NetworkView[];
  /** Pass as `pageToken` for the next page; null on the last page. */
  nextPageToken: string | null;
  /** How each provider connection contributed to this list. */
  providers: ProviderListStatus[];
}
