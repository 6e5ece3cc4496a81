import { Static, TObject, Type } from '@sinclair/typebox';
import { CONNECTION_NAME_PATTERN } from '../domain/connection-name';

const connectionName = Type.String({ pattern: CONNECTION_NAME_PATTERN.source });

export const ApiKeySchema = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' }),
    /** The key itself (from `${VAR}` or `keyFile`); or give `keySha256`. */
    key: Type.Optional(Type.String({ minLength: 16 })),
    /** Hex SHA-256 of the key, so that the key itself never sits in the file. */
    keySha256: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{64}$' })),
    scopes: Type.Array(Type.Union([Type.Literal('read'), Type.Literal('write')]), {
      minItems: 1,
      uniqueItems: true,
    }),
    /** Connections this key may see; `*` for all. */
    providers: Type.Array(Type.Union([Type.Literal('*'), connectionName]), {
      minItems: 1,
      uniqueItems: true,
    }),
  },
  { additionalProperties: false },
);

/**
 * Tuning every connection accepts beside its kind-specific fields (docs/design.md#configuration); ajv fills
 * the defaults.
 */
export const ConnectionTuningSchema = Type.Object({
  /**
   * Wall-clock deadline of one upstream HTTP call attempt from the moment it has one of the `concurrency` slots:
   * connecting, sending and reading the whole answer. Past it the socket is closed, the slot freed, and the call
   * answers `provider_timeout`.
   */
  timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 300_000, default: 15_000 })),
  /** First delay between two polls of a running operation. */
  pollIntervalMs: Type.Optional(Type.Integer({ minimum: 10, maximum: 600_000, default: 1_000 })),
  /** Longest delay between two polls (backoff cap). */
  maxPollIntervalMs: Type.Optional(Type.Integer({ minimum: 10, maximum: 3_600_000, default: 5_000 })),
  /** Upstream calls in flight at once from one process; further calls queue. */
  concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 16 })),
  /**
   * Requests per second the whole gateway (every api and worker process together) sends this backend at most
   * (docs/design.md#poll-budget). A 429 or a 503 with Retry-After holds every call of the connection until the time
   * it names. 0 turns the budget off, the hold after a 429 with it.
   */
  requestsPerSecond: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, default: 200 })),
  /** Retries of safe (idempotent) calls after a transient failure. */
  retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10, default: 2 })),
  /** Consecutive transient failures that open the circuit breaker. */
  breakerFailures: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 5 })),
  /** How long an open breaker waits before letting one trial call through. */
  breakerHalfOpenMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000, default: 10_000 })),
  /** Deadline of this connection's share of a fan-out list. */
  listDeadlineMs: Type.Optional(Type.Integer({ minimum: 50, maximum: 120_000, default: 5_000 })),
  /** Items one list answer of the backend may bring; the rest are left out and the list says `partial`. */
  maxListItems: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10_000 })),
  /** Largest answer one backend call may bring; a larger one is dropped as it arrives (`provider_error`). */
  maxResponseBytes: Type.Optional(
    Type.Integer({ minimum: 65_536, maximum: 268_435_456, default: 16_777_216 }),
  ),
  /** Per-operation deadline overrides in seconds, e.g. `{ "server.create": 3600 }`. */
  deadlines: Type.Optional(
    Type.Record(
      Type.String({ pattern: '^[a-z][a-zA-Z]*\\.[a-z]+$' }),
      Type.Integer({ minimum: 1, maximum: 86_400 }),
      {
        default: {},
      },
    ),
  ),
  /**
   * Per-operation ceilings in seconds of the `?deadlineSeconds=` a caller may ask for, e.g. `{ "server.create":
   * 7200 }`; without one, `tasks.maxDeadlineSeconds`. The capability document shows each operation's.
   */
  maxDeadlines: Type.Optional(
    Type.Record(
      Type.String({ pattern: '^[a-z][a-zA-Z]*\\.[a-z]+$' }),
      Type.Integer({ minimum: 1, maximum: 604_800 }),
      { default: {} },
    ),
  ),
});

export type ConnectionTuning = Required<Static<typeof ConnectionTuningSchema>>;

export const ConnectionHeadSchema = Type.Object({
  name: connectionName,
  kind: Type.String(),
});

export const ServerSettingsSchema = Type.Object(
  {
    cors: Type.Object(
      {
        /** Origins allowed to call the API from a browser; `*` allows any. Empty: CORS off. */
        allowedOrigins: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
        maxAgeSeconds: Type.Integer({ minimum: 0, maximum: 86_400, default: 600 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Largest accepted request body. */
    bodyLimitBytes: Type.Integer({ minimum: 1024, maximum: 10_485_760, default: 65_536 }),
    /**
     * Trust X-Forwarded-* from the proxies in front of the gateway: their addresses or CIDR ranges (then the client
     * address is the last one no trusted proxy added), or `true` for any (then it is the left-most, which a client
     * can forge: the per-address limits lose their bite).
     */
    trustProxy: Type.Union(
      [
        Type.Boolean(),
        Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 64 }),
      ],
      { default: false },
    ),
    /** Requests per minute one API key may make (429 beyond, with Retry-After); 0 turns the limit off. */
    rateLimitPerMinute: Type.Integer({ minimum: 0, maximum: 10_000_000, default: 3_000 }),
    /**
     * Longest time a client may take to send a whole request, head and body (408 problem, connection closed).
     * Only receiving counts: long polls and event streams are not cut by it.
     */
    requestTimeoutMs: Type.Integer({ minimum: 1_000, maximum: 600_000, default: 30_000 }),
    /** Longest time a client may take to send the request head (408); at most `requestTimeoutMs`. */
    headersTimeoutMs: Type.Integer({ minimum: 1_000, maximum: 600_000, default: 10_000 }),
    /** How long an idle keep-alive connection is kept between two requests (above a proxy's 60 s idle timeout). */
    keepAliveTimeoutMs: Type.Integer({ minimum: 1_000, maximum: 600_000, default: 72_000 }),
    /**
     * A connection on which nothing at all moves for this long is closed. At least 65 s: a long poll
     * (`waitSeconds`, `Prefer: wait`) stays silent for up to 60 s.
     */
    connectionTimeoutMs: Type.Integer({ minimum: 65_000, maximum: 3_600_000, default: 120_000 }),
    /**
     * Requests without valid credentials one client address may make per minute (counted in Redis across
     * processes); beyond it they answer 429 with Retry-After for a minute. A valid key is never held back. 0: off.
     */
    authFailuresPerMinute: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 30 }),
  },
  { additionalProperties: false, default: {} },
);

export const TaskSettingsSchema = Type.Object(
  {
    /** How long finished tasks (and idempotency records) are kept. */
    retentionHours: Type.Integer({ minimum: 24, maximum: 24 * 90, default: 24 }),
    /** Jobs one worker process runs at once (each is a short step, not a sleeping poll). */
    workerConcurrency: Type.Integer({ minimum: 1, maximum: 1000, default: 64 }),
    /** Default deadline of an operation, when neither the adapter nor the connection sets one. */
    defaultDeadlineSeconds: Type.Integer({ minimum: 10, maximum: 86_400, default: 1_800 }),
    /** Longest `?deadlineSeconds=` a caller may ask for, unless a connection's `maxDeadlines` says otherwise. */
    maxDeadlineSeconds: Type.Integer({ minimum: 10, maximum: 604_800, default: 86_400 }),
    /** BullMQ stalled-job check interval: a killed worker's job is taken over after at most this plus the lock. */
    stalledIntervalMs: Type.Integer({ minimum: 1_000, maximum: 600_000, default: 30_000 }),
    /** A worker's lock on the job it runs, renewed at half of it while a step runs: a dead worker's job is free after it. */
    lockDurationMs: Type.Integer({ minimum: 1_000, maximum: 600_000, default: 60_000 }),
    /**
     * Key that encrypts the secrets clients give in `providerOptions` (a DCImanager root password) while their
     * task runs: 32 random bytes in base64 (`openssl rand -base64 32`), or `secretKeyFile`. Without one, a
     * request carrying a secret answers 400.
     */
    secretKey: Type.Optional(Type.String({ minLength: 1 })),
    /** Earlier keys, used only to decrypt tasks sealed before a rotation; drop them once those tasks ended. */
    previousSecretKeys: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 8 })),
  },
  { additionalProperties: false, default: {} },
);

export const CacheSettingsSchema = Type.Object(
  {
    /** How long a snapshot is served without asking the backend. */
    freshMs: Type.Integer({ minimum: 0, maximum: 600_000, default: 5_000 }),
    /** How long a snapshot is kept to be served, marked stale, when the backend fails. */
    staleMs: Type.Integer({ minimum: 0, maximum: 86_400_000, default: 900_000 }),
    /** Largest cached value (one connection's list of one type, in JSON); a larger read is served but not cached. */
    maxValueBytes: Type.Integer({ minimum: 65_536, maximum: 536_870_912, default: 8_388_608 }),
  },
  { additionalProperties: false, default: {} },
);

export const EventSettingsSchema = Type.Object(
  {
    /** Events kept in the Redis stream for `Last-Event-ID` resume (approximate). */
    retainEvents: Type.Integer({ minimum: 100, maximum: 10_000_000, default: 100_000 }),
    /** Lifetime of the read-only tokens issued for browser EventSource clients. */
    tokenTtlSeconds: Type.Integer({ minimum: 10, maximum: 3_600, default: 300 }),
    /** Open event streams one API process serves at once (429 with Retry-After beyond). */
    maxStreams: Type.Integer({ minimum: 1, maximum: 100_000, default: 500 }),
    /** Open event streams of one API key (its event tokens included) in one API process. */
    maxStreamsPerKey: Type.Integer({ minimum: 1, maximum: 100_000, default: 100 }),
    /** Bytes waiting to be sent to one stream's client; a stream beyond it is closed (the client resumes). */
    maxBufferedBytes: Type.Integer({ minimum: 16_384, maximum: 67_108_864, default: 262_144 }),
    /** A stream whose client has not taken what was sent within this many seconds is closed. */
    drainTimeoutSeconds: Type.Integer({ minimum: 1, maximum: 600, default: 30 }),
    /** How often an open stream checks its key or token again (gone, no longer allowed: the stream ends). */
    recheckSeconds: Type.Integer({ minimum: 1, maximum: 3_600, default: 30 }),
  },
  { additionalProperties: false, default: {} },
);

export const HistorySettingsSchema = Type.Object(
  {
    /**
     * Days a resource's history is kept after its last entry; a delete is an entry, so a deleted resource's
     * history stays readable this long after it went.
     */
    retentionDays: Type.Integer({ minimum: 1, maximum: 3_650, default: 30 }),
    /** Entries kept per resource; the oldest go first. */
    maxEntries: Type.Integer({ minimum: 10, maximum: 100_000, default: 500 }),
  },
  { additionalProperties: false, default: {} },
);

export const WebhookSettingsSchema = Type.Object(
  {
    /**
     * Deliver to loopback, private, link-local and metadata addresses (refused otherwise, checked on every
     * delivery against what the name resolves to then). The sandbox allows them.
     */
    allowPrivateTargets: Type.Boolean({ default: false }),
    /** Longest one delivery attempt may take, connecting and reading the answer. */
    timeoutMs: Type.Integer({ minimum: 500, maximum: 60_000, default: 10_000 }),
    /** Attempts of one delivery (the first and its retries, with exponential backoff) before it is given up. */
    maxAttempts: Type.Integer({ minimum: 1, maximum: 30, default: 8 }),
    /** Consecutive failed attempts after which a webhook is disabled (PATCH `enabled: true` turns it back on). */
    disableAfterFailures: Type.Integer({ minimum: 1, maximum: 10_000, default: 50 }),
    /** Webhooks one API key may register. */
    maxPerKey: Type.Integer({ minimum: 1, maximum: 1_000, default: 25 }),
    /** Hours a delivery's record (attempts, statuses) is kept. */
    deliveryRetentionHours: Type.Integer({ minimum: 1, maximum: 24 * 90, default: 72 }),
  },
  { additionalProperties: false, default: {} },
);

export const GatewayFileSchema = Type.Object(
  {
    apiKeys: Type.Array(ApiKeySchema, { minItems: 1 }),
    providers: Type.Array(Type.Object({}, { additionalProperties: true }), { minItems: 1 }),
    server: Type.Optional(ServerSettingsSchema),
    tasks: Type.Optional(TaskSettingsSchema),
    cache: Type.Optional(CacheSettingsSchema),
    events: Type.Optional(EventSettingsSchema),
    history: Type.Optional(HistorySettingsSchema),
    webhooks: Type.Optional(WebhookSettingsSchema),
  },
  { additionalProperties: false },
);

export type ApiKeyConfig = Static<typeof ApiKeySchema>;
export type ServerSettings = Static<typeof ServerSettingsSchema>;
export type TaskSettings = Static<typeof TaskSettingsSchema>;
export type CacheSettings = Static<typeof CacheSettingsSchema>;
export type EventSettings = Static<typeof EventSettingsSchema>;
export type HistorySettings = Static<typeof HistorySettingsSchema>;
export type WebhookSettings = Static<typeof WebhookSettingsSchema>;

/** A kind's full connection schema: head + tuning + the kind's own fields, nothing else. */
export function connectionSchema(kindFields: TObject): TObject {
  return Type.Object(
    {
      ...ConnectionHeadSchema.properties,
      ...ConnectionTuningSchema.properties,
      ...kindFields.properties,
    },
    { additionalProperties: false },
  );
}
