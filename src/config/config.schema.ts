import { Static, TObject, Type } from '@sinclair/typebox';
import { CONNECTION_NAME_PATTERN } from '../common/ids/resource-id';

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

/** Tuning every connection accepts beside its kind-specific fields (DESIGN §4); ajv fills the defaults. */
export const ConnectionTuningSchema = Type.Object({
  /** Timeout of one upstream HTTP call. */
  timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 300_000, default: 15_000 })),
  /** First delay between two polls of a running operation. */
  pollIntervalMs: Type.Optional(Type.Integer({ minimum: 10, maximum: 600_000, default: 1_000 })),
  /** Longest delay between two polls (backoff cap). */
  maxPollIntervalMs: Type.Optional(Type.Integer({ minimum: 10, maximum: 3_600_000, default: 5_000 })),
  /** Upstream calls in flight at once from one process; further calls queue. */
  concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 16 })),
  /** Retries of safe (idempotent) calls after a transient failure. */
  retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10, default: 2 })),
  /** Consecutive transient failures that open the circuit breaker. */
  breakerFailures: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 5 })),
  /** How long an open breaker waits before letting one trial call through. */
  breakerHalfOpenMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000, default: 10_000 })),
  /** Deadline of this connection's share of a fan-out list. */
  listDeadlineMs: Type.Optional(Type.Integer({ minimum: 50, maximum: 120_000, default: 5_000 })),
  /** Per-operation deadline overrides in seconds, e.g. `{ "server.create": 3600 }`. */
  deadlines: Type.Optional(
    Type.Record(
      Type.String({ pattern: '^[a-z]+\\.[a-z]+$' }),
      Type.Integer({ minimum: 1, maximum: 86_400 }),
      {
        default: {},
      },
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
    /** Trust X-Forwarded-* from a proxy in front of the gateway. */
    trustProxy: Type.Boolean({ default: false }),
    /** Requests per minute one API key may make (429 beyond, with Retry-After); 0 turns the limit off. */
    rateLimitPerMinute: Type.Integer({ minimum: 0, maximum: 10_000_000, default: 3_000 }),
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
    /** BullMQ stalled-job check interval: a killed worker's job is taken over after at most this plus the lock. */
    stalledIntervalMs: Type.Integer({ minimum: 1_000, maximum: 600_000, default: 30_000 }),
    /** A worker's lock on the job it runs, renewed at half of it while a step runs: a dead worker's job is free after it. */
    lockDurationMs: Type.Integer({ minimum: 1_000, maximum: 600_000, default: 60_000 }),
  },
  { additionalProperties: false, default: {} },
);

export const CacheSettingsSchema = Type.Object(
  {
    /** How long a snapshot is served without asking the backend. */
    freshMs: Type.Integer({ minimum: 0, maximum: 600_000, default: 5_000 }),
    /** How long a snapshot is kept to be served, marked stale, when the backend fails. */
    staleMs: Type.Integer({ minimum: 0, maximum: 86_400_000, default: 900_000 }),
  },
  { additionalProperties: false, default: {} },
);

export const EventSettingsSchema = Type.Object(
  {
    /** Events kept in the Redis stream for `Last-Event-ID` resume (approximate). */
    retainEvents: Type.Integer({ minimum: 100, maximum: 10_000_000, default: 100_000 }),
    /** Lifetime of the read-only tokens issued for browser EventSource clients. */
    tokenTtlSeconds: Type.Integer({ minimum: 10, maximum: 3_600, default: 300 }),
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
  },
  { additionalProperties: false },
);

export type ApiKeyConfig = Static<typeof ApiKeySchema>;
export type ServerSettings = Static<typeof ServerSettingsSchema>;
export type TaskSettings = Static<typeof TaskSettingsSchema>;
export type CacheSettings = Static<typeof CacheSettingsSchema>;
export type EventSettings = Static<typeof EventSettingsSchema>;

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
