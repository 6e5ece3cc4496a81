import type { ProviderListStatus } from '../generated/client';
import type { Answer } from './faults-http';
import type { ReadExpectation } from './faults-kinds';

/** The answer is the expected RFC 9457 problem for `provider`, with the right status, code and retry hints. */
export function expectProviderProblem(answer: Answer, expected: ReadExpectation, provider: string): void {
  expect({ status: answer.status, contentType: answer.headers.get('content-type') }).toEqual({
    status: expected.status,
    contentType: expect.stringMatching(/^application\/problem\+json/),
  });
  expect(answer.problem).toMatchObject({
    code: expected.code,
    status: expected.status,
    retryable: expected.retryable,
    provider,
    requestId: expect.any(String),
  });
  if (expected.retryAfter !== undefined) {
    expect(answer.problem!.retryAfter).toBe(expected.retryAfter);
    expect(answer.headers.get('retry-after')).toBe(String(expected.retryAfter));
  }
}

/** A list entry of a failing backend: `error`, or `stale` with its last rows, and the problem either way. */
export function expectListEntryProblem(
  entry: ProviderListStatus | undefined,
  expected: ReadExpectation,
  provider: string,
  status: 'error' | 'stale',
): void {
  expect(entry).toMatchObject({
    provider,
    status,
    error: {
      code: expected.code,
      status: expected.status,
      retryable: expected.retryable,
      provider,
    },
  });
  if (expected.retryAfter !== undefined) expect(entry!.error!.retryAfter).toBe(expected.retryAfter);
}
