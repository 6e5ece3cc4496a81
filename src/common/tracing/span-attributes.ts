/** The gateway's own span attributes (docs/design.md#tracing); the HTTP ones come from the semantic conventions. */
export const SPAN_ATTRIBUTES = {
  /** The configured name of the API key of a request, never the key. */
  apiKey: 'cloudmux.api_key',
  taskId: 'cloudmux.task_id',
  /** A task's operation (`server.create`), or a backend call's label (`servers.list`). */
  operation: 'cloudmux.operation',
  connection: 'cloudmux.connection',
  providerKind: 'cloudmux.provider_kind',
  /** How a step run ended: `done`, `wait`, `error` or `abandoned`. */
  stepOutcome: 'cloudmux.step.outcome',
  /** `api`, `worker` or `all` (a resource attribute). */
  role: 'cloudmux.role',
} as const;
