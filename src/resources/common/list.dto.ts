import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { Problem } from '../../common/errors/problem.dto';
import { CONNECTION_NAME_PATTERN } from '../../common/ids/resource-id';

export enum ProviderListState {
  Ok = 'ok',
  /** Fresh, but some items of the backend's answer could not be read and are left out (see `error`). */
  Partial = 'partial',
  Error = 'error',
  Stale = 'stale',
}

/** How one provider connection contributed to a list. */
export class ProviderListStatus {
  provider: string;
  /**
   * `ok`: fresh data; `partial`: fresh, but some items of the backend's answer were malformed (or over
   * `maxListItems`) and are left out; `stale`: the backend failed and cached data is shown; `error`: nothing
   * from it.
   */
  status: ProviderListState;
  /** Why the backend could not be read (`error`, `stale`), or what was left out (`partial`). */
  error?: Problem;
  /** For `partial`: how many items of the backend's answer were left out. */
  skipped?: number;
  /** When the shown data was read from the backend. */
  observedAt: string | null;
}

/** `true` and `false` in a query string as booleans; anything else stays as it is and is refused. */
const queryBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

/** Cursor paging (AIP-158), shared by every list. */
export class PageQuery {
  /** Items per page. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  pageSize?: number = 100;

  /** `nextPageToken` of the previous page. */
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  pageToken?: string;
}

/** Query of every resource list (DESIGN §3.4). */
export class ListQuery extends PageQuery {
  /** Only this provider connection. */
  @IsOptional()
  @Matches(CONNECTION_NAME_PATTERN)
  provider?: string;

  /** Only resources whose name contains this text (case-insensitive). */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  /** `true` reads past the cache: one call per backend now, at the price of latency (also `Cache-Control: no-cache`). */
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  fresh?: boolean;
}

/** Query of a single read. */
export class ReadQuery {
  /** `true` reads past the cache: the backend's answer now (also `Cache-Control: no-cache`). */
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  fresh?: boolean;
}
