import type { Problem } from '../generated/client';

/** One gateway answer: status, headers and the parsed body (a problem for error statuses). */
export interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  /** The problem document when the status is 4xx/5xx. */
  problem?: Problem;
}

/** What the gateway answered during a suite, for the closing figures. */
export class AnswerTally {
  requests = 0;
  readonly byStatus: Record<string, number> = {};
  /** 502/503/504 problems with a `provider_*` code: the backend's failure, reported properly. */
  readonly provider5xx: Record<string, number> = {};
  /** 500 `internal` (or any other 5xx): a gateway fault, must stay empty. */
  readonly bad5xx: string[] = [];
  /** Error statuses answered without an RFC 9457 problem body. */
  readonly notProblem: string[] = [];

  record(method: string, path: string, status: number, contentType: string, problem?: Problem): void {
    this.requests++;
    this.byStatus[status] = (this.byStatus[status] ?? 0) + 1;
    if (status >= 400 && !contentType.startsWith('application/problem+json'))
      this.notProblem.push(`${method} ${path} → ${status} ${contentType}`);
    if (status < 500) return;
    if ([502, 503, 504].includes(status) && problem?.code.startsWith('provider_')) {
      const key = `${status} ${problem.code}`;
      this.provider5xx[key] = (this.provider5xx[key] ?? 0) + 1;
    } else {
      this.bad5xx.push(`${method} ${path} → ${status} ${problem?.code ?? '?'} ${problem?.requestId ?? ''}`);
    }
  }
}

/**
 * Calls the gateway with one API key. Every call has its own deadline, longer than anything the gateway is
 * configured to wait for: a call that gets no answer within it fails the test ("the caller always gets an
 * answer"), without asserting how fast the answer came.
 */
export class GatewayCaller {
  readonly tally = new AnswerTally();

  constructor(
    private readonly baseUrl: string,
    private readonly key: string,
    /** The test's own HTTP timeout. */
    readonly answerWithinMs: number,
  ) {}

  async call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer<T>> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${this.key}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.answerWithinMs),
      });
    } catch (error) {
      throw new Error(`${method} ${path}: no answer within ${this.answerWithinMs} ms`, { cause: error });
    }
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    const contentType = response.headers.get('content-type') ?? '';
    const problem = response.status >= 400 ? (parsed as Problem) : undefined;
    this.tally.record(method, path.split('?')[0], response.status, contentType, problem);
    return { status: response.status, headers: response.headers, body: parsed as T, problem };
  }

  get<T = unknown>(path: string): Promise<Answer<T>> {
    return this.call<T>('GET', path);
  }
}
