import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { TaskActor } from '../../tasks/task.dto';

/** Paging of a resource's history. */
export class HistoryQuery {
  /** Entries per page. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  pageSize?: number = 50;

  /** `nextPageToken` of the previous page. */
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  pageToken?: string;
}

export enum HistorySourceView {
  /** A task of ours. */
  Gateway = 'gateway',
  /** A state change seen in a backend read that no task of ours made (someone used the backend's console). */
  Observed = 'observed',
}

export enum HistoryStatusView {
  Succeeded = 'succeeded',
  Failed = 'failed',
  Canceled = 'canceled',
}

/** One entry of a resource's history (docs/design.md#history). */
export class HistoryEntryView {
  /** When the entry was written: the task's end, or the read that saw the change. */
  at: string;
  /** The task's operation (`server.stop`...), or `state.changed` for an observed change. */
  action: string;
  /** Who asked for the task; null for an observed change and for a task that recorded no actor. */
  @ApiProperty({ type: TaskActor, nullable: true })
  actor: TaskActor | null;
  /** The task; null for an observed change. */
  taskId: string | null;
  /** How the task ended; null for an observed change. */
  @ApiProperty({ enum: HistoryStatusView, enumName: 'HistoryStatus', nullable: true })
  status: HistoryStatusView | null;
  /** The state before, as the gateway knew it; null when it knew none. */
  fromState: string | null;
  /** The state after: `deleted` when the resource went; null when a task failed or was canceled. */
  toState: string | null;
  @ApiProperty({ enum: HistorySourceView, enumName: 'HistorySource' })
  source: HistorySourceView;
}

/** A page of a resource's history, newest first. */
export class HistoryPage {
  items: HistoryEntryView[];
  /** Token of the next (older) page; null on the last page. */
  nextPageToken: string | null;
}
