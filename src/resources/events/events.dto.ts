import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { CONNECTION_NAME_PATTERN } from '../../domain/connection-name';
import { CURSOR_PATTERN } from './event-cursor';

export class EventsQuery {
  /** Only events of tasks on this provider connection. */
  @IsOptional()
  @Matches(CONNECTION_NAME_PATTERN)
  provider?: string;

  /** Only events of this task. */
  @IsOptional()
  @Matches(/^[0-9A-HJKMNP-TV-Z]{26}$/)
  taskId?: string;

  /** Short-lived read-only token from `POST /v1/events/tokens`, for clients that cannot send headers (EventSource). */
  @IsOptional()
  @IsString()
  @MaxLength(128)
  access_token?: string;

  /** Resume after this event id, for clients that cannot send the `Last-Event-ID` header. */
  @IsOptional()
  @Matches(CURSOR_PATTERN)
  lastEventId?: string;
}

/** A read-only token for `GET /v1/events?access_token=`. */
export class EventToken {
  token: string;
  /** The token stops working at this time; ask for a new one to reconnect later. */
  expiresAt: string;
}
