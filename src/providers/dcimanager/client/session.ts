import type { AdapterLogger } from '../../ports/provider-adapter';

/** Header that tags a request so that `authorize` can tell which token it sent; removed before sending. */
const CALL_HEADER = 'x-gateway-dci-call';

/**
 * The Auth v4 session of one connection, held in this process: logged in on first use, one login in
 * flight at a time, renewed when a call reports that its token no longer works (there is no refresh call:
 * docs/providers/dcimanager.md#session-lifetime). The token goes into the cookie `ses6` and the header
 * `x-xsrf-token`, as the docs send it (docs/providers/dcimanager.md#authentication); it is never logged.
 */
export class DciSession {
  private token: string | null = null;
  private pending: Promise<string> | null = null;
  private sequence = 0;
  private readonly sentWith = new Map<string, string>();
  /** Logins made, for tests and metrics; never the token itself. */
  logins = 0;

  constructor(
    /** One login call (`requestToken` of client/http.client.ts): the new token. */
    private readonly login: () => Promise<string>,
    private readonly logger?: AdapterLogger,
  ) {}

  /** The `authorize` hook of the upstream client: runs before every attempt of every call. */
  readonly authorize = async (headers: Record<string, string>): Promise<void> => {
    const call = headers[CALL_HEADER];
    delete headers[CALL_HEADER];
    const token = this.token ?? (await this.refresh());
    if (call) this.sentWith.set(call, token);
    headers.Cookie = `ses6=${token}`;
    headers['x-xsrf-token'] = token;
  };

  /** Runs a call tagged so that its token can be found afterwards; answers what the call answered. */
  async tagged<T>(
    send: (headers: Record<string, string>) => Promise<T>,
  ): Promise<{ value?: T; error?: unknown; token?: string }> {
    const call = String(++this.sequence);
    try {
      return { value: await send({ [CALL_HEADER]: call }) };
    } catch (error) {
      return { error, token: this.sentWith.get(call) };
    } finally {
      this.sentWith.delete(call);
    }
  }

  /**
   * Logs in again unless another call already did since `stale` was sent (then its fresh token is used).
   */
  async renew(stale: string | undefined): Promise<void> {
    if (stale !== undefined && this.token !== null && this.token !== stale) return;
    this.token = null;
    await this.refresh();
  }

  private refresh(): Promise<string> {
    this.pending ??= this.login()
      .then((token) => {
        this.token = token;
        this.logins++;
        this.logger?.debug('DCImanager session started');
        return token;
      })
      .finally(() => {
        this.pending = null;
      });
    return this.pending;
  }
}
