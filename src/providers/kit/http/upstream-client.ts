import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import axios, { AxiosInstance } from 'axios';
import {
  BrokenCircuitError,
  BulkheadPolicy,
  BulkheadRejectedError,
  CircuitBreakerPolicy,
  ConsecutiveBreaker,
  bulkhead,
  circuitBreaker,
  handleWhen,
} from 'cockatiel';
import type { ConnectionTuning } from '../../../config/config.schema';
import type { UpstreamObserver } from '../../../common/metrics/upstream-observer';
import {
  GatewayError,
  ProviderTimeoutError,
  ProviderUnavailableError,
} from '../../../common/errors/gateway-error';
import { endBackendCallSpan, startBackendCallSpan } from '../../../common/tracing/spans';
import { BudgetWaitTooLong, type RequestBudget } from '../../ports/request-budget';
import { currentCallSignal } from './call-scope';
import { classifyTransportError, isTransient } from './transport-errors';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

export interface UpstreamRequest {
  method: HttpMethod;
  /** Path relative to the connection's base URL. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Already encoded by the adapter (JSON text, key-value text...). */
  body?: string;
  headers?: Record<string, string>;
  /** Safe to send twice. Defaults to true for GET only; only safe calls are retried after a failure. */
  idempotent?: boolean;
  /** Metrics and log label, e.g. `instances.list`. */
  operation: string;
  /** Wall-clock deadline of one attempt once it has a slot (connect, send, the whole answer); default `timeoutMs`. */
  timeoutMs?: number;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface UpstreamClientOptions {
  connection: string;
  kind: string;
  baseUrl: string;
  tuning: Pick<
    ConnectionTuning,
    'timeoutMs' | 'concurrency' | 'retries' | 'breakerFailures' | 'breakerHalfOpenMs' | 'maxResponseBytes'
  >;
  /** The adapter's error parser: the only reader of that backend's error bodies. */
  parseError(response: UpstreamResponse): GatewayError;
  defaultHeaders?: Record<string, string>;
  /** Adds per-request auth headers (session tokens); called before every attempt. */
  authorize?(headers: Record<string, string>): Promise<void> | void;
  /** TLS settings for mutual TLS or a private CA; a getter so that reloaded certificates take effect. */
  httpsAgent?: () => HttpsAgent;
  /**
   * A second look at a failure below HTTP, before the breaker counts it: a backend that refuses a client
   * certificate by closing the connection looks like an outage until the adapter finds out otherwise.
   */
  explainTransportFailure?(error: GatewayError): Promise<GatewayError | null>;
  /** Headers of this backend that carry credentials (besides Authorization and Cookie), masked in its errors. */
  secretHeaders?: string[];
  /** Longest Retry-After the client waits for itself; longer ones surface as errors with retryAfter. */
  maxRetryAfterMs?: number;
}

export type UpstreamClientFactory = (options: UpstreamClientOptions) => UpstreamClient;

const RETRY_BASE_MS = 200;
/** How long a 429 without Retry-After holds the connection, and the longest hold a backend can ask for. */
const DEFAULT_PAUSE_MS = 1_000;
const MAX_PAUSE_MS = 60_000;

function parseRetryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** Headers whose values are credentials whatever the backend; adapters name their own (`secretHeaders`). */
const SECRET_HEADERS = ['authorization', 'cookie'];
/** JSON body fields that carry credentials (DCImanager's login) or user-data, which often holds secrets. */
const SECRET_FIELD = /^(pass(word)?|passwd|token|secret|api_?key|user_?data)$/i;

/** The credentials one request carried, in the forms a backend could repeat them in its answer. */
function sentSecrets(
  headers: Record<string, string>,
  body: string | undefined,
  secretHeaders: ReadonlySet<string>,
): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (!secretHeaders.has(name.toLowerCase())) continue;
    found.push(value, ...value.split(/[;,]\s*/).map((part) => part.slice(part.indexOf('=') + 1)));
    const scheme = /^(Basic|Bearer)\s+(\S+)$/i.exec(value);
    if (scheme) found.push(scheme[2]);
    if (scheme?.[1].toLowerCase() === 'basic') {
      const decoded = Buffer.from(scheme[2], 'base64').toString('utf8');
      found.push(decoded, decoded.slice(decoded.indexOf(':') + 1));
    }
  }
  try {
    const parsed = body ? (JSON.parse(body) as unknown) : null;
    if (parsed && typeof parsed === 'object')
      for (const [field, value] of Object.entries(parsed))
        // As sent, and as a backend quoting the JSON body shows it (escapes kept).
        if (SECRET_FIELD.test(field) && typeof value === 'string')
          found.push(value, JSON.stringify(value).slice(1, -1));
  } catch {
    // not JSON: no fields to look at
  }
  // Longest first, so that a credential is masked whole before any part of it.
  return [...new Set(found)].filter((secret) => secret.length >= 6).sort((a, b) => b.length - a.length);
}

/** Masks what the request sent from the texts an error passes on (detail, upstream message, field messages). */
function withoutSecrets(error: GatewayError, secrets: string[]): GatewayError {
  const mask = (text: string) => secrets.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
  if (secrets.length === 0) return error;
  error.message = mask(error.message);
  if (error.upstream?.message) error.upstream.message = mask(error.upstream.message);
  error.errors?.forEach((entry) => (entry.message = mask(entry.message)));
  return error;
}

/** Host and port of a base URL, for the spans of its calls. */
function serverOf(baseUrl: string): { address: string; port?: number } {
  try {
    const url = new URL(baseUrl);
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : url.protocol === 'http:' ? 80 : 0);
    return { address: url.hostname.replace(/^\[|\]$/g, ''), ...(port ? { port } : {}) };
  } catch {
    return { address: 'unknown' };
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * HTTP to one backend connection with timeouts, a concurrency limit, the connection's request budget, a circuit
 * breaker and retries of safe calls (or of answers that say the call was not processed: 429/503 with
 * Retry-After). Never retries an unsafe call whose fate is unknown.
 */
export class UpstreamClient {
  private readonly http: AxiosInstance;
  private readonly bulkhead: BulkheadPolicy;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly secretHeaders: ReadonlySet<string>;
  private readonly server: { address: string; port?: number };

  constructor(
    private readonly options: UpstreamClientOptions,
    private readonly observer?: UpstreamObserver,
    /** The connection's request budget, shared with its other clients and processes; no limit when absent. */
    private readonly budget?: RequestBudget,
  ) {
    this.http = axios.create({
      baseURL: options.baseUrl.replace(/\/+$/, ''),
      timeout: options.tuning.timeoutMs,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      maxRedirects: 0,
      // A larger answer is refused as it arrives (docs/adr/0004-untrusted-backends.md).
      maxContentLength: options.tuning.maxResponseBytes,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: options.tuning.concurrency }),
      httpsAgent: options.httpsAgent
        ? undefined
        : new HttpsAgent({ keepAlive: true, maxSockets: options.tuning.concurrency }),
      proxy: false,
    });
    this.server = serverOf(options.baseUrl);
    this.secretHeaders = new Set(
      [...SECRET_HEADERS, ...(options.secretHeaders ?? [])].map((name) => name.toLowerCase()),
    );
    this.bulkhead = bulkhead(options.tuning.concurrency, 10_000);
    // An abandoned call says nothing about the backend: its task ran out of time, maybe a moment after it began.
    const counts = (error: Error) => !(error instanceof CallAbandoned) && isTransient(error);
    this.breaker = circuitBreaker(handleWhen(counts), {
      halfOpenAfter: options.tuning.breakerHalfOpenMs,
      breaker: new ConsecutiveBreaker(options.tuning.breakerFailures),
    });
  }

  get connection(): string {
    return this.options.connection;
  }

  /** `closed`, `open` or `half-open`: shown in the provider status. */
  get circuitState(): string {
    return ['closed', 'open', 'half-open', 'isolated'][this.breaker.state] ?? 'unknown';
  }

  async request(request: UpstreamRequest): Promise<UpstreamResponse> {
    const idempotent = request.idempotent ?? request.method === 'GET';
    const retries = this.options.tuning.retries;
    // Set when a task step makes this call: the engine aborts it when it abandons the step (call-scope.ts).
    const scope = currentCallSignal();
    for (let attempt = 0; ; attempt++) {
      if (scope?.aborted) throw this.abandoned();
      try {
        return await this.attempt(request, scope, attempt);
      } catch (error) {
        if (scope?.aborted) throw stripMarker(error as GatewayError);
        const failure = error as GatewayError & { notSent?: boolean };
        const retryAfterMs = failure.retryAfter !== undefined ? failure.retryAfter * 1000 : undefined;
        const answeredNotProcessed =
          retryAfterMs !== undefined &&
          (failure.upstream?.status === 429 || failure.upstream?.status === 503);
        const safe = idempotent || failure.notSent === true || answeredNotProcessed;
        // An open circuit or an exhausted budget would answer the same at once: nothing to try again.
        const retryable =
          failure instanceof GatewayError &&
          failure.retryable &&
          !(error instanceof CircuitOpen) &&
          !(error instanceof BudgetExhausted);
        if (attempt >= retries || !safe || !retryable) throw stripMarker(failure);
        if (retryAfterMs !== undefined && retryAfterMs > (this.options.maxRetryAfterMs ?? 5_000))
          throw stripMarker(failure);
        const backoff = RETRY_BASE_MS * 2 ** attempt * (0.5 + Math.random());
        await sleep(retryAfterMs ?? backoff);
      }
    }
  }

  /**
   * One try, within a wall-clock deadline from the moment it gets a bulkhead slot and a token of the budget:
   * connecting, sending and reading the whole answer. A backend that sends its headers and then trickles the body
   * is cut off at it, its socket closed and its slot freed (axios' own `timeout` only watches the socket for
   * silence), so a call waiting for a slot waits for calls that each end within their deadline. The wait for a
   * token is bounded by the same deadline (docs/design.md#poll-budget).
   */
  private async attempt(
    request: UpstreamRequest,
    scope: AbortSignal | undefined,
    attempt: number,
  ): Promise<UpstreamResponse> {
    const started = performance.now();
    // A span per try (docs/design.md#tracing); no trace header goes with the call.
    const span = startBackendCallSpan(() => ({
      connection: this.options.connection,
      providerKind: this.options.kind,
      operation: request.operation,
      method: request.method,
      serverAddress: this.server.address,
      serverPort: this.server.port,
      attempt,
    }));
    const timeoutMs = request.timeoutMs ?? this.options.tuning.timeoutMs;
    const deadline = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const abandon = () => deadline.abort(this.abandoned());
    scope?.addEventListener('abort', abandon, { once: true });
    let sent = false;
    try {
      const call = this.bulkhead.execute(async () => {
        // Abandoned while it waited for its turn: nothing is sent, the slot goes straight to the next in line.
        if (deadline.signal.aborted) throw deadline.signal.reason;
        // Taken in the slot, right before the call goes out: the budget counts sends, not calls waiting.
        await this.takeBudget(deadline.signal, timeoutMs);
        sent = true;
        timer = setTimeout(() => deadline.abort(this.expired(timeoutMs)), timeoutMs);
        timer.unref();
        return this.breaker.execute(() => this.send(request, deadline.signal));
      });
      // A call abandoned while still queued leaves the queue's promise behind at once.
      const response = await untilAborted(call, deadline.signal);
      this.record(request, 'ok', response.status, started);
      endBackendCallSpan(span, response.status);
      return response;
    } catch (error) {
      if (deadline.signal.aborted) Object.assign(deadline.signal.reason as object, { notSent: !sent });
      const mapped = this.mapError(deadline.signal.aborted ? deadline.signal.reason : error);
      const outcome =
        error instanceof BrokenCircuitError
          ? 'circuit_open'
          : error instanceof BudgetExhausted
            ? 'budget_exhausted'
            : mapped.code;
      this.record(request, outcome, mapped.upstream?.status ?? null, started);
      endBackendCallSpan(span, mapped.upstream?.status ?? null, outcome);
      throw mapped;
    } finally {
      clearTimeout(timer);
      scope?.removeEventListener('abort', abandon);
    }
  }

  /** Waits for a token of the budget, at most `maxWaitMs`; beyond, 503 with when to come back, nothing sent. */
  private async takeBudget(signal: AbortSignal, maxWaitMs: number): Promise<void> {
    if (!this.budget) return;
    try {
      await this.budget.take({ signal, maxWaitMs });
    } catch (error) {
      if (!(error instanceof BudgetWaitTooLong)) throw error;
      throw Object.assign(
        new BudgetExhausted(
          `The request budget of this provider connection has no slot within ${maxWaitMs} ms (the backend asked to slow down, or the connection is at its requestsPerSecond).`,
          { provider: this.options.connection, retryAfter: Math.max(1, Math.ceil(error.waitMs / 1000)) },
        ),
        { notSent: true },
      );
    }
  }

  /**
   * A 429, or a 503 with Retry-After, says the backend did not take the call and wants fewer: every call of the
   * connection, in every process, waits until the time it named (1 s when it named none, at most MAX_PAUSE_MS).
   */
  private async pauseFor(status: number, retryAfterSeconds: number | undefined): Promise<void> {
    if (!this.budget) return;
    if (status !== 429 && !(status === 503 && retryAfterSeconds !== undefined)) return;
    const ms = retryAfterSeconds === undefined ? DEFAULT_PAUSE_MS : retryAfterSeconds * 1000;
    await this.budget.pause(Math.min(MAX_PAUSE_MS, ms));
  }

  private expired(timeoutMs: number): GatewayError {
    return new ProviderTimeoutError(`The provider did not answer in full within ${timeoutMs} ms.`, {
      provider: this.options.connection,
    });
  }

  private abandoned(): GatewayError {
    return new CallAbandoned('The call was abandoned: the task that made it passed its deadline.', {
      provider: this.options.connection,
    });
  }

  private async send(request: UpstreamRequest, signal: AbortSignal): Promise<UpstreamResponse> {
    const headers: Record<string, string> = { ...this.options.defaultHeaders, ...request.headers };
    await this.options.authorize?.(headers);
    let response;
    try {
      response = await this.http.request<string>({
        method: request.method,
        url: request.path,
        params: request.query,
        data: request.body,
        headers,
        timeout: request.timeoutMs ?? this.options.tuning.timeoutMs,
        signal,
        httpsAgent: this.options.httpsAgent?.(),
      });
    } catch (error) {
      // Our own deadline (or the task's) aborted the call: its reason says which, nothing to explain.
      if (signal.aborted) throw signal.reason;
      const failure = classifyTransportError(
        error,
        this.options.connection,
        request.timeoutMs ?? this.options.tuning.timeoutMs,
      );
      const explained = await this.options.explainTransportFailure?.(failure.error);
      throw Object.assign(explained ?? failure.error, { notSent: failure.notSent });
    }
    const normalizedHeaders: Record<string, string> = {};
    for (const [key, value] of Object.entries(response.headers ?? {})) {
      if (typeof value === 'string') normalizedHeaders[key.toLowerCase()] = value;
      else if (Array.isArray(value)) normalizedHeaders[key.toLowerCase()] = value.join(', ');
      else if (value !== undefined && value !== null) normalizedHeaders[key.toLowerCase()] = String(value);
    }
    const result: UpstreamResponse = {
      status: response.status,
      headers: normalizedHeaders,
      body: typeof response.data === 'string' ? response.data : '',
    };
    if (result.status >= 200 && result.status < 300) return result;
    // A backend may repeat the credentials it refused ("invalid key <key>"): they must not travel further.
    const parsed = withoutSecrets(
      this.options.parseError(result),
      sentSecrets(headers, request.body, this.secretHeaders),
    ).withProvider(this.options.connection);
    const retryAfter = parseRetryAfter(result.headers['retry-after']);
    if (retryAfter !== undefined && parsed.retryAfter === undefined)
      (parsed as { retryAfter?: number }).retryAfter = retryAfter;
    await this.pauseFor(result.status, parsed.retryAfter);
    throw parsed;
  }

  private mapError(error: unknown): GatewayError {
    if (error instanceof GatewayError) return error;
    if (error instanceof BrokenCircuitError) {
      return new CircuitOpen(
        `Calls to this provider are paused after repeated failures; retrying in about ${Math.ceil(this.options.tuning.breakerHalfOpenMs / 1000)} s.`,
        {
          provider: this.options.connection,
          retryAfter: Math.ceil(this.options.tuning.breakerHalfOpenMs / 1000),
        },
      );
    }
    if (error instanceof BulkheadRejectedError) {
      return new ProviderUnavailableError('Too many calls to this provider are waiting already.', {
        provider: this.options.connection,
        retryAfter: 1,
      });
    }
    return classifyTransportError(error, this.options.connection, this.options.tuning.timeoutMs).error;
  }

  private record(request: UpstreamRequest, outcome: string, status: number | null, started: number): void {
    this.observer?.onCall({
      connection: this.options.connection,
      kind: this.options.kind,
      operation: request.operation,
      method: request.method,
      outcome,
      status,
      durationMs: performance.now() - started,
    });
  }
}

/** The breaker is open: nothing was sent. */
class CircuitOpen extends ProviderUnavailableError {}

/** The connection's request budget had no slot within the call's deadline: nothing was sent. */
class BudgetExhausted extends ProviderUnavailableError {}

/** The task engine abandoned the step that made this call (its task passed its deadline). */
class CallAbandoned extends ProviderTimeoutError {}

/** `work`, or the signal's reason as soon as it is aborted, whichever comes first. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.finally(() => signal.removeEventListener('abort', onAbort)).then(resolve, reject);
  });
}

function stripMarker(error: GatewayError & { notSent?: boolean }): GatewayError {
  delete error.notSent;
  return error;
}
