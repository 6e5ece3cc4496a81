import {
  BeforeApplicationShutdown,
  Controller,
  Get,
  HttpCode,
  Inject,
  Logger,
  Post,
  Query,
} from '@nestjs/common';
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
import { ApiKeysService } from '../../common/auth/api-keys.service';
import { AcceptsEventToken, RequireScope } from '../../common/auth/auth.decorators';
import type { Caller } from '../../common/auth/caller';
import { EventTokens } from '../../common/auth/event-tokens.service';
import { ValidationError } from '../../common/errors/gateway-error';
import { Call, type HttpCall } from '../../common/http/call.decorator';
import { ApiProblems } from '../../common/swagger/api-problems.decorator';
import { OperationId } from '../../common/swagger/endpoints.decorator';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../config/gateway-config';
import type { TaskEvent } from '../../tasks/task-event';
import { TaskEvents } from '../../tasks/task-events.service';
import { TaskSummary } from '../../tasks/task.dto';
import { ResourceAccess } from '../../application/resource-access.service';
import { EventsQuery, EventToken } from './events.dto';
import { EventStreams } from './event-streams';
import { decodeCursor } from './event-cursor';
import { EventFeed } from './event-feed';
import { SseStream } from './sse-stream';

const HEARTBEAT_MS = 15_000;

/** Each event's `data:` line is one JSON TaskSummary; the extension names it for client generators. */
const EVENT_STREAM_SCHEMA = { type: 'string', 'x-event-data': { $ref: getSchemaPath(TaskSummary) } };

@ApiTags('events')
@ApiExtraModels(TaskSummary)
@ApiBearerAuth()
@Controller('v1/events')
export class EventsController implements BeforeApplicationShutdown {
  private readonly logger = new Logger(EventsController.name);
  private readonly streams: EventStreams;

  constructor(
    private readonly events: TaskEvents,
    private readonly tokens: EventTokens,
    private readonly keys: ApiKeysService,
    private readonly access: ResourceAccess,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.streams = new EventStreams(config.events);
  }

  /**
   * Stream task events (SSE)
   * @remarks Server-Sent Events of task changes: `task.created`, `task.updated`, `task.succeeded`, `task.failed`; the data is a `TaskSummary` (status, progress, current step, resource, error code), and `GET /v1/tasks/{id}` has the whole task. Resumable: send `Last-Event-ID` (EventSource does on reconnect) to replay what was missed; an event id is an opaque token of where the stream stood in each connection's events (a plain `<ms>-<seq>` id of earlier versions still resumes, from that time on every connection). A replay comes in time order across connections. Browsers authenticate with `?access_token=` from `POST /v1/events/tokens`, since EventSource cannot send headers. The gateway ends a stream with a last comment `: closing: <reason>` when its token expires (`token_expired`: reconnect with a new token), its key or token is withdrawn (`credentials_revoked`), the process shuts down (`shutting_down`) or Redis fails (`interrupted`); reconnect with `Last-Event-ID`. Open streams are capped per API key and per process (429 with `Retry-After`), and a client that stops reading is disconnected.
   */
  @Get()
  @AcceptsEventToken()
  @OperationId('streamEvents')
  @ApiProduces('text/event-stream')
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'Resume after this event: the `id` of the last event received',
  })
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
    // The connections' streams this stream reads, fixed for its life (docs/design.md#event-cursor).
    const followed = caller
      .visible(this.events.connections)
      .filter((name) => !query.provider || name === query.provider);
    // Checked before the stream opens: once it has, Redis refusing a position could only end it silently.
    const resumeAt = resumeFrom === undefined ? null : decodeCursor(resumeFrom, followed);
    if (resumeFrom !== undefined && !resumeAt) {
      throw new ValidationError('Last-Event-ID is not an event id of this stream.', [
        { field: 'Last-Event-ID', message: 'must be the id of an event this gateway sent' },
      ]);
    }
    // 429 beyond the caps (events.maxStreams, events.maxStreamsPerKey), before anything is held for it.
    const release = this.streams.admit(caller.keyName);

    let viewer = caller;
    const matches = (event: TaskEvent) =>
      viewer.canSee(event.provider) &&
      (!query.provider || event.provider === query.provider) &&
      (!query.taskId || event.taskId === query.taskId);

    const raw = reply.raw;
    const { maxBufferedBytes, drainTimeoutSeconds } = this.config.events;
    const stream = new SseStream(raw, { maxBufferedBytes, drainTimeoutMs: drainTimeoutSeconds * 1000 });
    let feed!: EventFeed;
    let live = false;
    const early: TaskEvent[] = [];
    let unsubscribe: () => void;
    try {
      // Subscribed before the replay starts, so that nothing published in between is missed; without a cursor,
      // the feed starts where the live reader stood as the listener was added.
      const following = await this.events.follow((event) => (live ? feed.push(event) : early.push(event)));
      unsubscribe = following.stop;
      const start =
        resumeAt ?? new Map(followed.map((name) => [name, following.positions.get(name) ?? '0-0']));
      feed = new EventFeed(
        stream,
        (positions, count) => this.events.range(positions, count),
        matches,
        start,
        !!resumeAt,
      );
    } catch (error) {
      release();
      throw error;
    }

    reply.hijack();
    raw.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': String(request.id),
    });
    stream.write('retry: 3000\n\n');
    const heartbeat = setInterval(() => stream.write(': keep-alive\n\n'), HEARTBEAT_MS);
    const timers = this.watchCredentials(caller, query.access_token, stream, (current) => (viewer = current));
    stream.onClose(() => {
      clearInterval(heartbeat);
      timers.forEach((timer) => clearTimeout(timer));
      unsubscribe();
      release();
    });
    this.streams.track(stream);
    live = true;
    feed.start();
    early.forEach((event) => feed.push(event));
  }

  /**
   * Keeps an open stream to what its credentials allow now: an event token's stream ends at the token's expiry,
   * and every `events.recheckSeconds` the key or token is checked again against the config and Redis (a key
   * removed or no longer `read`, a token deleted: the stream ends). The viewer gets the key's connections as
   * they are at each check.
   */
  private watchCredentials(
    caller: Caller,
    token: string | undefined,
    stream: SseStream,
    update: (current: Caller) => void,
  ): NodeJS.Timeout[] {
    const timers: NodeJS.Timeout[] = [];
    if (caller.expiresAt !== null) {
      // setTimeout takes at most 2^31-1 ms; tokens live an hour at most.
      const expiry = setTimeout(
        () => stream.close('token_expired'),
        Math.max(0, caller.expiresAt - Date.now()),
      );
      expiry.unref();
      timers.push(expiry);
    }
    const recheck = async () => {
      if (caller.expiresAt !== null && Date.now() >= caller.expiresAt) return stream.close('token_expired');
      let current: Caller | null;
      try {
        current =
          caller.eventTokenOnly && token !== undefined
            ? await this.tokens.resolve(token)
            : (this.keys.current(caller.keyName)?.caller ?? null);
      } catch (error) {
        // Redis unreachable: the token cannot be read, nor can events; the expiry timer still holds.
        this.logger.debug(`could not recheck a stream's credentials: ${String(error)}`);
        return;
      }
      if (!current || !current.scopes.has('read')) return stream.close('credentials_revoked');
      update(current);
    };
    const interval = setInterval(() => void recheck(), this.config.events.recheckSeconds * 1000);
    interval.unref();
    timers.push(interval);
    return timers;
  }

  /** Before the HTTP server closes (it waits for open responses): end every stream. */
  beforeApplicationShutdown(): Promise<void> {
    return this.streams.shutdown();
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
