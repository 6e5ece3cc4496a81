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
  Min,
} from 'class-validator';
import { CONNECTION_NAME_PATTERN } from '../../domain/connection-name';
import { ServerView } from '../../domain/resource-views.dto';
import { ServerState } from '../../domain/states';
import { ProviderListStatus } from '../../application/provider-list-status.dto';
import { LabeledListQuery } from '../common/list.dto';
import { CreateLabelsProperty, PatchLabelsProperty } from '../common/labels.dto';
import { IsResourceName, IsResourceRef } from '../common/validators';
import { SshKeyIdsProperty, SshPublicKeysProperty, UserDataProperty } from './server-inputs.dto';

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
  @SshPublicKeysProperty()
  sshPublicKeys?: string[];

  /**
   * SSH keys of the connection to install (`GET /v1/ssh-keys`), by id; for connections whose capability
   * document says `features.sshKeyIds.supported`.
   */
  @SshKeyIdsProperty()
  sshKeyIds?: string[];

  /** Cloud-init or script text for the first boot (docs/design.md#user-data). */
  @UserDataProperty()
  userData?: string;

  @CreateLabelsProperty()
  labels?: Record<string, string>;

  /** Start the server once created (default true); the task ends when it runs. */
  @IsOptional()
  @IsBoolean()
  powerOn?: boolean;

  /** Provider-specific options, checked against the schema in `GET /v1/providers/{name}`. */
  @IsOptional()
  @IsObject()
  providerOptions?: Record<string, unknown>;
}

/**
 * A new name, or a change of labels: one of the two per request (a rename is always a backend call, labels may
 * be the gateway's own; docs/design.md#labels).
 */
export class UpdateServerRequest {
  /** The new name. */
  @IsOptional()
  @IsResourceName()
  name?: string;

  @PatchLabelsProperty(false)
  labels?: Record<string, string | null>;
}

/** A new size: `planId`, or `cpuCores` with `memoryMb` where the backend sizes freely; never both. */
export class ResizeServerRequest {
  /** The new size (see `GET /v1/providers/{name}/plans`). */
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
}

/** A reinstall from an image: the server keeps its id, its disks' contents are replaced. */
export class RebuildServerRequest {
  /** Image to reinstall from (see `GET /v1/providers/{name}/images`). */
  @IsResourceRef()
  imageId: string;

  /** SSH public keys to install, in OpenSSH format. */
  @SshPublicKeysProperty()
  sshPublicKeys?: string[];

  /** SSH keys of the connection to install, by id (`features.sshKeyIds`). */
  @SshKeyIdsProperty()
  sshKeyIds?: string[];

  /** Cloud-init or script text for the first boot of the new system (docs/design.md#user-data). */
  @UserDataProperty()
  userData?: string;

  /** Provider-specific options, checked against the schema in `GET /v1/providers/{name}`. */
  @IsOptional()
  @IsObject()
  providerOptions?: Record<string, unknown>;
}

export class StopServerRequest {
  /** Hard power-off instead of an orderly shutdown. */
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}

export class ServerListQuery extends LabeledListQuery {
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
