import {
  GatewayError,
  NotFoundError,
  ProviderError,
  ValidationError,
} from '../../../common/errors/gateway-error';
import type { UpstreamClient } from '../../kit/http/upstream-client';
import { type KvObject, type ListEntry, parseList, parseObjectsAsync, serializeObject } from './codec';

type Plain = string | number | boolean | null | undefined;

const TEXT = 'text/plain; charset=utf-8';

function malformed(path: string, idKey: string): ProviderError {
  return new ProviderError(
    `CloudSigma answered ${path} with a body that is not its key-value text (no '${idKey}').`,
    {
      upstream: { status: 200, code: null, message: null },
    },
  );
}

const named = (object: KvObject, idKey: string) => !!object[idKey] && !/\s/.test(object[idKey]);

/**
 * CloudSigma 1.0 over HTTP (docs/providers/cloudsigma.md#transport-and-auth): GET for reads and POST for changes at the host root, text
 * bodies both ways (`Accept` and `Content-Type` text/plain, Basic auth set by the upstream client), and an
 * explicit empty body on bodiless POSTs so that `Content-Length: 0` goes out.
 */
export class CloudsigmaClient {
  constructor(private readonly http: UpstreamClient) {}

  /**
   * Every object of a multi-object read (`/servers/info`), as sent: the adapter checks each one (a malformed
   * object is left out of its list, docs/adr/0004-untrusted-backends.md). A body none of whose objects names
   * itself is not the 1.0 text at all (an HTML page, JSON, a cut answer): 502.
   */
  async objects(path: string, idKey: string, operation: string): Promise<KvObject[]> {
    const response = await this.http.request({ method: 'GET', path, operation });
    const objects = await parseObjectsAsync(response.body, { idKey });
    if (objects.length && !objects.some((o) => named(o, idKey))) throw malformed(path, idKey);
    return objects;
  }

  /**
   * One object, or null when CloudSigma says it does not exist: 404, 400 "could not be found", or any 400 on
   * an `/info` read: such a read has no input that could be wrong but the id (docs/providers/cloudsigma.md#errors).
   */
  async object(path: string, idKey: string, operation: string): Promise<KvObject | null> {
    try {
      const response = await this.http.request({ method: 'GET', path, operation });
      const [first] = await parseObjectsAsync(response.body, { idKey });
      if (!first || !named(first, idKey)) throw malformed(path, idKey);
      return first;
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      if (error instanceof ValidationError && path.endsWith('/info')) return null;
      throw error;
    }
  }

  /** A list read: bare UUIDs or `type value` lines. */
  async list(path: string, operation: string): Promise<ListEntry[]> {
    const response = await this.http.request({ method: 'GET', path, operation });
    return parseList(response.body);
  }

  /** A change with a body (create, set, clone); answers the objects of the reply (none for 204). */
  async post(path: string, body: Record<string, Plain> | null, operation: string): Promise<KvObject[]> {
    const response = await this.http.request({
      method: 'POST',
      path,
      body: body ? serializeObject(body) : '',
      headers: { 'Content-Type': TEXT },
      idempotent: false,
      operation,
    });
    return response.status === 204 ? [] : parseObjectsAsync(response.body);
  }

  /**
   * A bodiless action (start, stop, destroy...): POST, as the manual asks for changes; some 1.0 front ends
   * refused bodiless POSTs and clients moved destroys to GET, so a 405 or 411 is retried once as GET
   * (docs/providers/cloudsigma.md#transport-and-auth).
   */
  async action(path: string, operation: string): Promise<KvObject[]> {
    try {
      return await this.post(path, null, operation);
    } catch (error) {
      const status = (error as GatewayError).upstream?.status;
      if (!(error instanceof GatewayError) || (status !== 405 && status !== 411)) throw error;
      const response = await this.http.request({ method: 'GET', path, idempotent: false, operation });
      return response.status === 204 ? [] : parseObjectsAsync(response.body);
    }
  }
}
