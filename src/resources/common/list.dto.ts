import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { CONNECTION_NAME_PATTERN } from '../../domain/connection-name';
import { MAX_LABEL_KEY_LENGTH, MAX_LABEL_SELECTORS, MAX_LABEL_VALUE_LENGTH } from '../../domain/labels';
import { IsLabelSelector } from './validators';

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

/** Query of every resource list (docs/design.md#lists). */
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

/** A query value given once is a string, given again an array: always an array here. */
const queryArray = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? [value] : value);

/** Query of the lists of resources that carry labels (docs/design.md#labels). */
export class LabeledListQuery extends ListQuery {
  /**
   * Only resources with this label: `key=value` (the label has that value) or `key` (the label is there, any
   * value). Repeat it for more: all must match. Combined with the other filters, across connections, before
   * paging.
   */
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', maxLength: MAX_LABEL_KEY_LENGTH + 1 + MAX_LABEL_VALUE_LENGTH },
    maxItems: MAX_LABEL_SELECTORS,
    example: ['env=prod', 'team'],
  })
  @IsOptional()
  @Transform(queryArray)
  @IsArray()
  @ArrayMaxSize(MAX_LABEL_SELECTORS)
  @IsLabelSelector()
  label?: string[];
}

/** Query of a single read. */
export class ReadQuery {
  /** `true` reads past the cache: the backend's answer now (also `Cache-Control: no-cache`). */
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  fresh?: boolean;
}
