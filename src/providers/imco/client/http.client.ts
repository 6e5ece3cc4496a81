import { NotFoundError, ProviderError } from '../../../common/errors/gateway-error';
import { parseJsonText } from '../../kit/http/json-text';
import type {
  HttpMethod,
  UpstreamClient,
  UpstreamRequest,
  UpstreamResponse,
} from '../../kit/http/upstream-client';
import type { WireType } from '../../kit/wire';

/** Path segment for an id (IMCO ids are 24-hex, but nothing a caller sends reaches a URL unescaped). */
export const seg = (id: string) => encodeURIComponent(id);

/** The collections the gateway's resources are, under the version prefix (docs/providers/imco.md#servers). */
export const PATHS = {
  servers: '/cloud/servers',
  volumes: '/storage/volumes',
  floatingIps: '/network/floating_ips',
  vpcs: '/network/vpcs',
} as const;

/** The JSON of an answer, parsed without stalling the event loop on a large body (`parseJsonText`). */
async function parse(response: UpstreamResponse): Promise<unknown> {
  if (response.status === 204 || response.body.trim() === '') return undefined;
  try {
    return await parseJsonText(response.body);
  } catch {
    throw new ProviderError('IMCO answered with a body that is not JSON.', {
      upstream: { status: response.status, code: null, message: null },
    });
  }
}

/**
 * IMCO over mutual TLS (the upstream client carries the certificate agent): flat JSON bodies, bare-array lists,
 * 404 for unknown ids. Resets that may hide a refused client certificate are diagnosed by the upstream client
 * (see the adapter's `explainTransportFailure`), before its breaker counts them as an outage.
 */
export class ImcoClient {
  constructor(private readonly http: UpstreamClient) {}

  /**
   * A whole list: IMCO never pages (docs/providers/imco.md#json-and-lists). Its items are as IMCO sent them: the
   * callers that map them check each one (docs/adr/0004-untrusted-backends.md).
   */
  async list<T>(path: string, operation: string, query?: Record<string, string | undefined>): Promise<T[]> {
    const body = await parse(await this.call({ method: 'GET', path, query, operation }));
    if (!Array.isArray(body)) throw new ProviderError(`IMCO answered ${operation} without a JSON array.`);
    return body as T[];
  }

  /**
   * One resource, or null when IMCO answers 404. With a wire type, a resource that fails its checks is the
   * backend's fault: 502 `provider_error` (not retryable), so a step never works on a malformed object.
   */
  async get<T>(path: string, operation: string, type?: WireType<T>): Promise<T | null> {
    try {
      const body = await parse(await this.call({ method: 'GET', path, operation }));
      if (!body || typeof body !== 'object' || Array.isArray(body))
        throw new ProviderError(`IMCO answered ${operation} without a JSON object.`);
      if (type && !type.is(body))
        throw new ProviderError(
          `IMCO answered ${operation} with a malformed ${type.name}: ${type.explain(body)}.`,
          {
            retryable: false,
          },
        );
      return body as T;
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
  }

  /**
   * POST, PUT or DELETE; never repeated blindly. Answers the resource IMCO sent back, or null (204, or a body
   * that is not an object: some calls answer nothing useful and the caller reads the state anyway).
   */
  async send<T>(method: HttpMethod, path: string, operation: string, body?: unknown): Promise<T | null> {
    const response = await this.call({
      method,
      path,
      operation,
      // IMCO's CLI sends an object with every action; the server ignores it (docs/providers/imco.md#servers).
      body: JSON.stringify(body ?? {}),
      headers: { 'Content-Type': 'application/json' },
      idempotent: false,
    });
    let parsed: unknown;
    try {
      parsed = await parse(response);
    } catch {
      return null;
    }
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as T) : null;
  }

  private call(request: UpstreamRequest): Promise<UpstreamResponse> {
    return this.http.request(request);
  }
}
