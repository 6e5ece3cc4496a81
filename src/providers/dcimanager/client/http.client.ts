import { Agent as HttpsAgent } from 'node:https';
import { NotFoundError, ProviderError, ProviderUnavailableError } from '../../../common/errors/gateway-error';
import type { ConnectionConfig } from '../../../config/gateway-config';
import { ProviderKind } from '../../../domain/states';
import { parseJsonText } from '../../kit/http/json-text';
import type {
  HttpMethod,
  UpstreamClient,
  UpstreamClientOptions,
  UpstreamRequest,
  UpstreamResponse,
} from '../../kit/http/upstream-client';
import { type ListParams, listQuery } from './codec.where';
import { DciSessionError, DciWakingError } from './errors';
import type { DciSession } from './session';
import type { DciAck, DciList, ListAnswer } from './wire';

/**
 * The docs' sample retries a 503 about ten times with a small backoff
 * (docs/providers/dcimanager.md#waking-services).
 */
const WAKE_TRIES = 10;
const WAKE_BASE_MS = 100;
const WAKE_MAX_MS = 2_000;
/**
 * Page size of list calls; DCImanager's default and maximum are unknown, so the limit is always sent
 * (docs/providers/dcimanager.md#paging).
 */
export const PAGE_SIZE = 200;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** The JSON object of an answer, parsed without holding the event loop for a large body (json-text.ts). */
export async function decodeJson(response: UpstreamResponse): Promise<Record<string, unknown>> {
  if (response.status === 204 || response.body.trim() === '') return {};
  try {
    const parsed = await parseJsonText(response.body);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new ProviderError('DCImanager answered with a body that is not a JSON object.', {
    upstream: { status: response.status, code: null, message: null },
  });
}

/** Retries what a waking service answered with 503; every method, since such a call was not processed. */
export async function untilAwake(send: () => Promise<UpstreamResponse>): Promise<UpstreamResponse> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (!(error instanceof DciWakingError)) throw error;
      if (attempt + 1 >= WAKE_TRIES) {
        throw new ProviderUnavailableError(
          `DCImanager was still starting up after ${WAKE_TRIES} tries (HTTP 503).`,
          {
            upstream: error.upstream,
            retryAfter: 5,
          },
        );
      }
      const backoff = Math.min(WAKE_MAX_MS, WAKE_BASE_MS * 2 ** attempt) * (0.8 + 0.4 * Math.random());
      // A short Retry-After is honoured; a long one would hold the caller too long, so the backoff wins.
      const hinted = error.retryAfter !== undefined ? error.retryAfter * 1000 : undefined;
      await sleep(hinted !== undefined && hinted <= WAKE_MAX_MS ? Math.max(hinted, WAKE_BASE_MS) : backoff);
    }
  }
}

/** Where a connection reaches DCImanager: host root, API prefix and an optional private CA. */
export interface DciEndpoint extends ConnectionConfig {
  /** Host root, e.g. https://dci.example.com (the API prefix is added). */
  endpoint: string;
  apiPrefix: string;
  /** PEM CA bundle for instances with a private or self-signed certificate. */
  ca?: string;
}

/**
 * What every call of a connection shares, the login included: the base URL `<endpoint><apiPrefix>`, the CA, and
 * the headers the docs send (docs/providers/dcimanager.md#urls-and-transport). The token header is a secret.
 */
export function upstreamOptions(config: DciEndpoint): Omit<UpstreamClientOptions, 'parseError'> {
  const agent = config.ca
    ? new HttpsAgent({ ca: config.ca, keepAlive: true, maxSockets: config.concurrency })
    : undefined;
  return {
    connection: config.name,
    kind: ProviderKind.Dcimanager,
    baseUrl: `${config.endpoint.replace(/\/+$/, '')}${config.apiPrefix}`,
    tuning: config,
    httpsAgent: agent ? () => agent : undefined,
    secretHeaders: ['x-xsrf-token'],
    defaultHeaders: {
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'isp-box-instance': 'true',
    },
  };
}

/**
 * Auth v4 login (docs/providers/dcimanager.md#authentication): the session token, through a client whose error
 * parser reads a refusal as bad credentials. Auth v4 answers `token`; the older v3 flow called it `session`.
 */
export async function requestToken(
  auth: UpstreamClient,
  credentials: { email: string; password: string },
): Promise<string> {
  const response = await untilAwake(() =>
    auth.request({
      method: 'POST',
      path: '/auth/v4/public/token',
      body: JSON.stringify({ email: credentials.email, password: credentials.password }),
      idempotent: true,
      operation: 'auth.token',
    }),
  );
  const body = await decodeJson(response);
  const token = body.token ?? body.session;
  if (typeof token !== 'string' || token === '')
    throw new ProviderError('DCImanager logged in without a token.');
  return token;
}

/**
 * DCImanager over HTTP: paths below `<endpoint><apiPrefix>` (`/dci/v3/...`, `/ip/v3/...`), the session
 * (re-login and one replay when it ended), 503 wake-up retries, JSON bodies and `{list, size}` paging.
 */
export class DciClient {
  constructor(
    private readonly http: UpstreamClient,
    private readonly session: DciSession,
  ) {}

  async send(request: UpstreamRequest): Promise<UpstreamResponse> {
    let renewed = false;
    for (;;) {
      const outcome = await this.session.tagged((tag) =>
        untilAwake(() => this.http.request({ ...request, headers: { ...request.headers, ...tag } })),
      );
      if (!outcome.error) return outcome.value!;
      if (!(outcome.error instanceof DciSessionError) || renewed) throw outcome.error as Error;
      renewed = true;
      await this.session.renew(outcome.token);
    }
  }

  /** A JSON object, unchecked: its reader checks what it reads (client/wire.ts). */
  async get(path: string, operation: string): Promise<Record<string, unknown>> {
    const response = await this.send({ method: 'GET', path, operation });
    return decodeJson(response);
  }

  /** One object, unchecked, or null when DCImanager answers 404. */
  async find(path: string, operation: string): Promise<Record<string, unknown> | null> {
    try {
      return await this.get(path, operation);
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
  }

  /** One page, its items unchecked. */
  async page(path: string, params: ListParams, operation: string): Promise<DciList<unknown>> {
    const query = listQuery(params);
    const body = await this.get(query ? `${path}?${query}` : path, operation);
    if (!Array.isArray(body.list))
      throw new ProviderError(`DCImanager listed ${path} without a list array.`, { retryable: false });
    return { list: body.list as unknown[], size: typeof body.size === 'number' ? body.size : undefined };
  }

  /**
   * Every match up to `max` items (unchecked), paging with `limit=<offset>,<count>` until `size` (or a short page
   * when `size` is absent); paging stops once `max` items are read, and `total` says how many DCImanager holds.
   */
  async listAll(
    path: string,
    params: Omit<ListParams, 'offset' | 'count'>,
    operation: string,
    max: number,
  ): Promise<ListAnswer> {
    const items: unknown[] = [];
    let total: number | undefined;
    for (;;) {
      const count = Math.min(PAGE_SIZE, max - items.length);
      const { list, size } = await this.page(path, { ...params, offset: items.length, count }, operation);
      total = size;
      // A page longer than asked for is cut: `max` bounds what one list holds in memory.
      items.push(...list.slice(0, count));
      if (
        items.length >= max ||
        list.length === 0 ||
        (size !== undefined ? items.length >= size : list.length < count)
      )
        return { items, total };
    }
  }

  /** A state-changing call; never replayed blindly (only a 503 or an ended session, which were not processed). */
  async mutate(method: HttpMethod, path: string, operation: string, body?: unknown): Promise<DciAck> {
    const response = await this.send({
      method,
      path,
      operation,
      idempotent: false,
      body: method === 'DELETE' && body === undefined ? undefined : JSON.stringify(body ?? {}),
    });
    return decodeJson(response);
  }
}
