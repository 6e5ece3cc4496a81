import { ApiProperty } from '@nestjs/swagger';
import { RefusalReason } from '../../domain/allowed-actions.dto';
import { ERROR_CODES, type ErrorCode } from './error-codes';

export class ProblemFieldError {
  /** Dotted path of the offending field. */
  field: string;
  message: string;
}

export class ProblemUpstreamError {
  /** The backend's own error code. */
  code: string | null;
  /** The backend's message as its adapter parsed it. */
  message: string | null;
  /** The field or object the backend named, when it named one. */
  field?: string | null;
}

export class ProblemUpstream {
  /** HTTP status the backend answered with, when there was an answer. */
  status: number | null;
  /** The backend's own error code, when it gave one. */
  code: string | null;
  /** The backend's message as its adapter parsed it (never a raw body). */
  message: string | null;
  /** Every error of the answer, when the backend reported more than one (the first is also `code`/`message`). */
  errors?: ProblemUpstreamError[];
}

/** An RFC 9457 problem document; every 4xx and 5xx answer has this shape. */
export class Problem {
  /** URI naming the problem type; each `code` has one. */
  type: string;
  /** Short summary, fixed per `code`. */
  title: string;
  /** HTTP status of this answer. */
  status: number;
  /** What went wrong this time, for people; do not parse it. */
  detail: string;
  /** Path of the request that failed. */
  instance: string;
  /** Stable snake_case error code for programs (docs/errors.md). */
  @ApiProperty({ enum: ERROR_CODES, enumName: 'ProblemCode' })
  code: ErrorCode;
  /** Whether sending the same request again may succeed. */
  retryable: boolean;
  /** Id of the request, also sent as `X-Request-Id`. */
  requestId: string;
  /** Field-level errors of a `validation_failed` problem. */
  errors?: ProblemFieldError[];
  /** Provider connection involved, for `provider_*` problems and provider-side errors. */
  provider?: string;
  upstream?: ProblemUpstream;
  /**
   * Why an action on a resource was refused, as its `allowedActions` says it: `busy`, `wrong_state`,
   * `not_releasable`, `boot_volume` (409) or `unsupported_operation` (501).
   */
  reason?: RefusalReason;
  /** For a `busy` refusal: the id of the task running on the resource. */
  activeTaskId?: string;
  /** For a `wrong_state` refusal: the resource's state now (normalized, or the backend's own where it said so). */
  currentState?: string | null;
  /** For a `wrong_state` refusal: the states that would accept the action. */
  expectedStates?: string[];
  /** For `unsupported_operation`: the operation or action refused, e.g. `volume.create`, `server.stop`. */
  operation?: string;
  /** Seconds to wait before retrying, also sent as `Retry-After`. */
  retryAfter?: number;
}
