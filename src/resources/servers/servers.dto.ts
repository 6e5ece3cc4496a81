import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEnum,
  IsInt,
  IsObject,
  IsOptional,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { CONNECTION_NAME_PATTERN } from '../../domain/connection-name';
import { ServerView } from '../../domain/resource-views.dto';
import { ServerState } from '../../domain/states';
import { ProviderListStatus } from '../../application/provider-list-status.dto';
import { ListQuery } from '../common/list.dto';
import { IsResourceName, IsResourceRef, SSH_PUBLIC_KEY } from '../common/validators';

export class CreateServerRequest {
  /** Provider connection to create the server on. */
  @Matches(CONNECTION_NAME_PATTERN)
  provider: string;

  /** Name of the server. */
  @IsResourceName()
  name: string;

  /** Image to build the server from (see `GET /v1/providers/{name}/images`). */
  @IsResourceRef()
  imageId: string;

  /** Size of the server (see `GET /v1/providers/{name}/plans`); or give `cpuCores` and `memoryMb`. */
  @IsOptional()
  @IsResourceRef()
  planId?: string;

  /** CPU cores, for providers that take a custom size. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1024)
  cpuCores?: number;

  /** Memory in MiB, for providers that take a custom size. */
  @IsOptional()
  @IsInt()
  @Min(64)
  @Max(16_777_216)
  memoryMb?: number;

  /** Where to create it (see `GET /v1/providers/{name}/locations`). */
  @IsOptional()
  @IsResourceRef()
  locationId?: string;

  /** Networks to connect the server to; the first is its primary network. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(16)
  @IsResourceRef({ each: true })
  networkIds?: string[];

  /** SSH public keys to install, in OpenSSH format. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(16)
  @MaxLength(16_384, { each: true })
  @Matches(SSH_PUBLIC_KEY, {
    each: true,
    message: 'each value in sshPublicKeys must be an OpenSSH public key',
  })
  sshPublicKeys?: string[];

  /** Start the server once created (default true); the task ends when it runs. */
  @IsOptional()
  @IsBoolean()
  powerOn?: boolean;

  /** Provider-specific options, checked against the schema in `GET /v1/providers/{name}`. */
  @IsOptional()
  @IsObject()
  providerOptions?: Record<string, unknown>;
}

export class RenameServerRequest {
  /** The new name. */
  @IsResourceName()
  name: string;
}

export class StopServerRequest {
  /** Hard power-off instead of an orderly shutdown. */
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}

export class ServerListQuery extends ListQuery {
  /** Only servers in this state. */
  @IsOptional()
  @IsEnum(ServerState)
  state?: ServerState;
}

export class ServerList {
  items: ServerView[];
  /** Pass as `pageToken` for the next page; null on the last page. */
  nextPageToken: string | null;
  /** How each provider connection contributed to this list. */
  providers: ProviderListStatus[];
}
