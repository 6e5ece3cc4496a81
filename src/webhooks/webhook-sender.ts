import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import axios from 'axios';
import type { PinnedTarget } from './target-guard';

/** What is read of a receiver's answer at most: its status matters, its body is not kept. */
export const MAX_ANSWER_BYTES = 64 * 1024;

/** The outcome of one attempt, as the delivery record keeps it. */
export interface AttemptOutcome {
  statusCode: number | null;
  latencyMs: number;
  /** null: delivered (2xx). */
  error: string | null;
}

/**
 * A look-up that answers the address already judged, whatever name is asked: nothing resolves between the SSRF
 * check and the connect (docs/design.md#webhooks). Node asks for `all` addresses when it may try several
 * families; it gets the one.
 */
function pinnedLookup(target: PinnedTarget): LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  }) as unknown as LookupFunction;
}

/**
 * Sends one signed attempt: POST of the JSON body, connected to the pinned address, within `timeoutMs`
 * (connecting and the answer's head), no redirect followed (a 3xx is a failed attempt), no proxy from the
 * environment, the answer's body dropped unread.
 */
export async function sendAttempt(
  target: PinnedTarget,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<AttemptOutcome> {
  const lookup = pinnedLookup(target);
  const agentOptions = { keepAlive: false, lookup };
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const answer = await axios.request({
      method: 'POST',
      url: target.url,
      data: body,
      headers: { 'content-type': 'application/json', 'user-agent': 'cloudmux-webhooks/1', ...headers },
      timeout: timeoutMs,
      signal,
      maxRedirects: 0,
      proxy: false,
      decompress: false,
      responseType: 'stream',
      maxContentLength: MAX_ANSWER_BYTES,
      maxBodyLength: Infinity,
      validateStatus: () => true,
      transformRequest: [(data: unknown) => data],
      httpAgent: new http.Agent(agentOptions),
      httpsAgent: new https.Agent(agentOptions),
    });
    const latencyMs = latency();
    // The body is not wanted: closing the stream frees the socket at once.
    (answer.data as NodeJS.ReadableStream & { destroy(): void }).destroy();
    const status = answer.status;
    if (status >= 200 && status < 300) return { statusCode: status, latencyMs, error: null };
    const why =
      status >= 300 && status < 400 ? `HTTP ${status}: redirects are not followed` : `HTTP ${status}`;
    return { statusCode: status, latencyMs, error: why };
  } catch (error) {
    const latencyMs = latency();
    const err = error as { code?: string; message?: string };
    const timedOut = signal.aborted || err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT';
    const reason = timedOut
      ? `no answer within ${timeoutMs} ms`
      : `${err.code ? `${err.code}: ` : ''}${(err.message ?? String(error)).slice(0, 200)}`;
    return { statusCode: null, latencyMs, error: reason };
  }
}
