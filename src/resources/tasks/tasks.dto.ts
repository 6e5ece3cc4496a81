import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsEnum, IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { CONNECTION_NAME_PATTERN } from '../../domain/connection-name';
import { MAX_WAIT_SECONDS } from '../../common/http/prefer';
import { OPERATION_NAMES, type OperationName } from '../../providers/ports/operations';
import { Task, TaskStatus } from '../../tasks/task.dto';
import { PageQuery } from '../common/list.dto';
import { RESOURCE_REF } from '../common/validators';

export class TaskListQuery extends PageQuery {
  /** Only tasks of this provider connection. */
  @IsOptional()
  @Matches(CONNECTION_NAME_PATTERN)
  provider?: string;

  @IsOptional()
  @IsEnum(TaskStatus)
  status?: TaskStatus;

  /** Only tasks acting on this resource. */
  @IsOptional()
  @Matches(RESOURCE_REF)
  resourceId?: string;

  /** Only tasks of this operation, e.g. `server.create`. */
  @ApiProperty({ enum: OPERATION_NAMES, enumName: 'Operation', required: false })
  @IsOptional()
  @IsIn(OPERATION_NAMES)
  operation?: OperationName;
}

export class TaskWaitQuery {
  /** Hold the answer until the task ends or this many seconds pass (at most 60). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_WAIT_SECONDS)
  waitSeconds?: number;
}

export class TaskList {
  /** Newest first. */
  items: Task[];
  /** Pass as `pageToken` for the next page; null on the last page. A page may be shorter than asked. */
  nextPageToken: string | null;
}
