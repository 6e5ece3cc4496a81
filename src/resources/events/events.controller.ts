import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiHeader,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { AcceptsEventToken, RequireScope } from '../../common/auth/auth.decorators';
import { EventTokens } from '../../common/auth/event-tokens.service';
import { ValidationError } from '../../common/errors/gateway-error';
import { Call, type HttpCall } from '../../common/http/call.decorator';
import { ApiProblems } from '../../common/swagger/api-problems.decorator';
import { OperationId } from '../../common/swagger/endpoints.decorator';
import { STREAM_ID_PATTERN, TaskEvent, TaskEvents } from '../../tasks/task-events.service';
import { TaskSummary } from '../../tasks/task.dto';
import { ResourceAccess } from '../common/resource-access.service';
import { EventsQuery, EventToken } from './events.dto';

const HEARTBEAT_MS = 15_000;
/** A client that reads slower than this much backlog is dropped; it resumes with Last-Event-ID. */
const MAX_BACKLOG_BYTES = 1_048_576;

/** Each event's `data:` line is one JSON TaskSummary; the extension names it for client generators. */
const EVENT_STREAM_SCHEMA = { type: 'string', 'x-event-data': { $ref: getSchemaPath(TaskSummary) } };

const MAX_U64 = 2n ** 64n - 1n;

/** An id Redis takes as an exclusive start: both parts fit 64 bits, and it is not the largest id of all. */
function isResumable(id: string): boolean {
  if (!STREAM_ID_PATTERN.test(id)) return false;
  const [ms, seq] = id.split('-').map(BigInt);
  return ms <= MAX_U64 && seq <= MAX_U64 && !(ms === MAX_U64 && seq === MAX_U64);
}

function after(a: string, b: string): boolean {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  return am > bm || (am === bm && as > bs);
}

@ApiTags('events')
@ApiExtraModels(TaskSummary)
@ApiBearerAuth()
@Controller('v1/events')
export class EventsController {
  constructor(
    private readonly events: TaskEvents,
    private readonly tokens: EventTokens,
    private readonly access: ResourceAccess,
  ) {}

  /**
   * Stream task events (SSE)
   * @remarks Server-Sent Events of task changes: `task.created`, `task.updated`, `task.succeeded`, `task.failed`; the data is a `TaskSummary` (status, progress, current step, resource, error code), and `GET /v1/tasks/{id}` has the whole task. Resumable: send `Last-Event-ID` (EventSource does on reconnect) to replay what was missed. Browsers authenticate with `?access_token=` from `POST /v1/events/tokens`, since EventSource cannot send headers.
   */
  @Get()
  @AcceptsEventToken()
  @OperationId('streamEvents')
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this event id' })
  @ApiOkResponse({
    description: 'An event stream',
    content: {
      'text/event-stream': { schema: EVENT_STREAM_SCHEMA },
    },
  })
  @ApiProblems(400, 404)
  async stream(@Call() { caller, request, reply }: HttpCall, @Query() query: EventsQuery): Promise<void> {
    // An unknown connection is a 404 for every key, not a stream that never says anything.
    if (query.provider) this.access.connection(caller, query.provider);
    const header = request.headers['last-event-id'];
    const resumeFrom = (Array.isArray(header) ? header[0] : header) ?? query.lastEventId;
    // Checked before the stream opens: once it has, Redis refusing the id could only end it silently.
    if (resumeFrom !== undefined && !isResumable(resumeFrom)) {
      throw new ValidationError('Last-Event-ID is not an event id of this stream.', [
        { field: 'Last-Event-ID', message: 'must look like 1700000000000-0' },
      ]);
    }
    const matches = (event: TaskEvent) =>
      caller.canSee(event.provider) &&
      (!query.provider || event.provider === query.provider) &&
      (!query.taskId || event.taskId === query.taskId);

    const raw = reply.raw;
    let lastSent = resumeFrom ?? null;
    let live = false;
    const pending: TaskEvent[] = [];
    const send = (event: TaskEvent) => {
      if (!matches(event) || (lastSent && !after(event.id, lastSent))) return;
      raw.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.task)}\n\n`);
      lastSent = event.id;
      if (raw.writableLength > MAX_BACKLOG_BYTES) raw.destroy();
    };
    const unsubscribe = await this.events.subscribe((event) => (live ? send(event) : pending.push(event)));

    reply.hijack();
    raw.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': String(request.id),
    });
    raw.write('retry: 3000\n\n');
    const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
    raw.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });

    if (resumeFrom) {
      for (let cursor = resumeFrom; !raw.destroyed;) {
        const batch = await this.events.range(cursor, 500);
        batch.forEach(send);
        if (batch.length < 500) break;
        cursor = batch[batch.length - 1].id;
      }
    }
    live = true;
    pending.forEach(send);
    pending.length = 0;
  }

  /**
   * Issue an event-stream token
   * @remarks A short-lived, read-only token for `GET /v1/events?access_token=`; it works on no other route.
   */
  @Post('tokens')
  @HttpCode(201)
  @RequireScope('read')
  @OperationId('createEventToken')
  @ApiCreatedResponse({ type: EventToken, description: 'A token, valid until `expiresAt`' })
  @ApiProblems()
  createToken(@Call() { caller }: HttpCall): Promise<EventToken> {
    return this.tokens.issue(caller);
  }
}
