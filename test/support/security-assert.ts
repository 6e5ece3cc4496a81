export interface Answer {
  status: number;
  contentType: string;
  body: Record<string, unknown>;
}

/** A problem without what differs between any two answers (request id) and with a connection name masked. */
function shape(answer: Answer, connection: string): Record<string, unknown> {
  const masked = JSON.parse(JSON.stringify(answer.body).replaceAll(connection, '<connection>')) as Record<
    string,
    unknown
  >;
  delete masked.requestId;
  return { status: answer.status, contentType: answer.contentType, ...masked };
}

/**
 * `foreign` (a request about connection `hidden`, which the caller may not see) must be answered exactly as
 * `unknown` (the same request about a connection that does not exist): the answer confirms nothing.
 */
export function expectHidden(
  foreign: Answer,
  unknown: Answer,
  names: { hidden: string; unknown: string },
  context: string,
  expected: { status: number; code: string } | null = { status: 404, code: 'not_found' },
): void {
  if (expected)
    expect({ context, status: foreign.status, code: foreign.body.code }).toEqual({ context, ...expected });
  expect(foreign.contentType).toMatch(/^application\/problem\+json/);
  expect({ context, ...shape(foreign, names.hidden) }).toEqual({ context, ...shape(unknown, names.unknown) });
}

/** The same request with every mention of one connection replaced by another. */
export function renamed<T extends { path: string; body?: unknown }>(request: T, from: string, to: string): T {
  return {
    ...request,
    path: request.path.replaceAll(from, to),
    body:
      request.body === undefined ? undefined : JSON.parse(JSON.stringify(request.body).replaceAll(from, to)),
  };
}
