import { NotFoundError, ProviderError } from '../../../common/errors/gateway-error';
import { parseJsonText } from '../../kit/http/json-text';
import type { HttpMethod, UpstreamClient, UpstreamResponse } from '../../kit/http/upstream-client';
import { checked, validItems, type WireType } from '../../kit/wire';
import { CmFailedTaskError } from './errors';
import { TASK } from './wire';

/** What a mutation answered: a task to poll, or the result at once. */
export interface CmAck {
  taskId: string | null;
  taskStatus: string | null;
  data: unknown;
}

/** A task read back, from either documented shape. */
export interface CmTaskView {
  status: string;
  result: unknown;
  /** A failure message, when the task says why it failed. */
  failure: string | null;
}

/** Where this connection's entities live: `/services/<serviceCode>/<environment>/...` (+ `org_id`). */
export interface CloudmcScope {
  serviceCode: string;
  environment: string;
  orgId?: string;
}

/** The JSON envelope of an answer, parsed without holding the event loop for a large body (json-text.ts). */
async function decode(response: UpstreamResponse): Promise<Record<string, unknown>> {
  if (response.status === 204 || response.body.trim() === '') return {};
  try {
    const parsed = await parseJsonText(response.body);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new ProviderError('CloudMC answered with a body that is not the JSON envelope.', {
    upstream: { status: response.status, code: null, message: null },
  });
}

function failureOf(value: unknown): string | null {
  if (typeof value === 'string') return value.slice(0, 500);
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.message === 'string') return record.message.slice(0, 500);
    if (
      Array.isArray(record.errors) &&
      record.errors[0] &&
      typeof (record.errors[0] as { message?: unknown }).message === 'string'
    ) {
      return (record.errors[0] as { message: string }).message.slice(0, 500);
    }
  }
  return null;
}

/**
 * CloudMC v2 over HTTP: the `/services/:code/:env/:entity` path shape (docs/providers/cloudmc.md#addressing), the
 * `MC-Api-Key` header (set by the upstream client), the `{data}` / `{taskId}` envelopes, and both documented task
 * shapes (docs/providers/cloudmc.md#tasks).
 */
export class CloudmcClient {
  constructor(
    private readonly http: UpstreamClient,
    private readonly scope: CloudmcScope,
  ) {}

  private path(entity: string, id?: string): string {
    const base = `/services/${encodeURIComponent(this.scope.serviceCode)}/${encodeURIComponent(this.scope.environment)}/${entity}`;
    return id ? `${base}/${encodeURIComponent(id)}` : base;
  }

  private query(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
    return { ...extra, ...(this.scope.orgId ? { org_id: this.scope.orgId } : {}) };
  }

  /**
   * A whole list, its items unchecked (for `mapListed`): CloudMC does not page services lists
   * (docs/providers/cloudmc.md#conventions).
   */
  async list(entity: string, filters: Record<string, string | undefined> = {}): Promise<unknown[]> {
    const response = await this.http.request({
      method: 'GET',
      path: this.path(entity),
      query: this.query(filters),
      operation: `${entity}.list`,
    });
    const data = (await decode(response)).data;
    if (!Array.isArray(data))
      throw new ProviderError(`CloudMC listed ${entity} without a data array.`, { retryable: false });
    return data as unknown[];
  }

  /** The items of a list that are of the wire type; the others are left out (they cost only themselves). */
  async listOf<T>(
    entity: string,
    type: WireType<T>,
    filters: Record<string, string | undefined> = {},
  ): Promise<T[]> {
    return (await validItems(await this.list(entity, filters), type)).valid;
  }

  /** One entity, unchecked (for `mapOne`), or null when CloudMC answers 404. */
  async get(entity: string, id: string): Promise<unknown> {
    try {
      const response = await this.http.request({
        method: 'GET',
        path: this.path(entity, id),
        query: this.query(),
        operation: `${entity}.get`,
      });
      const data = (await decode(response)).data;
      if (data === undefined || data === null)
        throw new ProviderError(`CloudMC returned ${entity} ${id} without data.`, { retryable: false });
      return data;
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
  }

  /** One entity an operation goes on with: null on 404, 502 when it is not of the wire type. */
  async getOf<T>(entity: string, id: string, type: WireType<T>): Promise<T | null> {
    const raw = await this.get(entity, id);
    return raw === null ? null : checked(raw, type);
  }

  /** POST/PUT/DELETE; never retried blindly (the upstream client retries only what was not processed). */
  async mutate(
    method: HttpMethod,
    entity: string,
    options: { id?: string; operation?: string; body?: unknown } = {},
  ): Promise<CmAck> {
    const response = await this.http.request({
      method,
      path: this.path(entity, options.id),
      query: this.query(options.operation ? { operation: options.operation } : {}),
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      idempotent: false,
      operation: `${entity}.${options.operation ?? method.toLowerCase()}`,
    });
    const body = await decode(response);
    const taskId = typeof body.taskId === 'string' ? body.taskId : null;
    const taskStatus =
      typeof body.taskStatus === 'string'
        ? body.taskStatus
        : typeof body.status === 'string'
          ? body.status
          : null;
    if (taskStatus?.toUpperCase() === 'FAILED') {
      throw new ProviderError(
        `CloudMC failed the operation at once${failureOf(body.data) ? `: ${failureOf(body.data)}` : '.'}`,
        { retryable: false },
      );
    }
    return { taskId, taskStatus, data: body.data ?? null };
  }

  /**
   * A task, from the `{data: {id, status, result}}` shape the clients read or the flat `{taskId, taskStatus,
   * result}` shape of the getting-started page; null when CloudMC has forgotten it (404, ~30 min).
   */
  async task(taskId: string): Promise<CmTaskView | null> {
    let response: UpstreamResponse;
    try {
      response = await this.http.request({
        method: 'GET',
        path: `/tasks/${encodeURIComponent(taskId)}`,
        query: this.query(),
        operation: 'tasks.get',
      });
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      if (error instanceof CmFailedTaskError)
        return { status: 'FAILED', result: null, failure: error.failure };
      throw error;
    }
    const body = await decode(response);
    if (!TASK.is(body))
      throw new ProviderError(`CloudMC returned a malformed task: ${TASK.explain(body)}.`, {
        retryable: false,
      });
    // Shape B when `data` carries the status, else shape A (a `data` member may sit beside `taskStatus`).
    const data = (body as { data?: unknown }).data;
    const nested =
      data && typeof data === 'object' && typeof (data as { status?: unknown }).status === 'string'
        ? (data as { status: string; result?: unknown })
        : null;
    const status = nested ? nested.status : (body as { taskStatus: string }).taskStatus;
    if (!status) throw new ProviderError('CloudMC returned a task without a status.', { retryable: false });
    const result = nested ? nested.result : (body as { result?: unknown }).result;
    const failure = status.toUpperCase() === 'FAILED' ? (failureOf(result) ?? failureOf(body)) : null;
    return { status: status.toUpperCase(), result: result ?? null, failure };
  }
}
