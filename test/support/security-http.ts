import { createClient, type Client } from '../generated/client/client';

export interface RecordedResponse {
  method: string;
  url: string;
  status: number;
  /** Every header, one `name: value` line each. */
  headers: string;
  body: string;
}

/**
 * A fetch that keeps a copy of every answer (headers and body) for the secret scan. Event streams are kept
 * headers only: their events are collected by the SSE readers, and reading their body would never end.
 */
export class ResponseRecorder {
  readonly responses: RecordedResponse[] = [];

  readonly fetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const response = await fetch(request);
    const headers = [...response.headers.entries()].map(([name, value]) => `${name}: ${value}`).join('\n');
    const streaming = (response.headers.get('content-type') ?? '').includes('text/event-stream');
    this.responses.push({
      method: request.method,
      url: request.url,
      status: response.status,
      headers,
      body: streaming ? '' : await response.clone().text(),
    });
    return response;
  };

  /** A generated client whose answers are recorded. */
  client(baseUrl: string, key?: string, headers: Record<string, string> = {}): Client {
    return createClient({
      baseUrl,
      fetch: this.fetch,
      headers: { ...(key ? { Authorization: `Bearer ${key}` } : {}), ...headers },
    });
  }
}
