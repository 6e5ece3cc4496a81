import type { OpenAPIObject } from '@nestjs/swagger';

type HeaderObject = Exclude<
  NonNullable<NonNullable<OpenAPIObject['components']>['headers']>[string],
  { $ref: string }
>;
type ReferenceObject = { $ref: string };

/** Response headers the gateway sends, declared once under `components.headers` and referenced by name. */
export const RESPONSE_HEADERS = {
  'X-Request-Id': {
    description:
      "Id of this request, also `requestId` in problems: the caller's own `X-Request-Id` when it sent a valid one (1-128 of `A-Za-z0-9._:-`), else a new one.",
    schema: { type: 'string' },
  },
  'X-RateLimit-Limit': {
    description: 'Requests this API key may send per minute (only when the gateway limits requests).',
    schema: { type: 'integer' },
  },
  'X-RateLimit-Remaining': {
    description: 'Requests left in the current minute (only when the gateway limits requests).',
    schema: { type: 'integer' },
  },
  'X-RateLimit-Reset': {
    description: 'Seconds until the current minute ends (only when the gateway limits requests).',
    schema: { type: 'integer' },
  },
  'Retry-After': {
    description: 'Seconds to wait before sending again (on 202: before polling the task).',
    schema: { type: 'integer' },
  },
  Location: { description: 'URL of the task', schema: { type: 'string' } },
  'Preference-Applied': {
    description: '`wait=N` when the answer was held for `Prefer: wait=N`.',
    schema: { type: 'string' },
  },
  'Cache-Status': {
    description:
      'RFC 9211: present when the backend failed and the last copy is served (`cloudmux; hit; detail=stale-provider-unavailable`).',
    schema: { type: 'string' },
  },
  Age: {
    description: 'Seconds since the copy served with `Cache-Status` was read from the backend.',
    schema: { type: 'integer' },
  },
  ETag: {
    description:
      'Strong entity tag of the resource as served (what the gateway observed, not when): send it back in `If-None-Match` to read only when it changed, or in `If-Match` to act only on this version.',
    schema: { type: 'string' },
  },
} satisfies Record<string, HeaderObject>;

export type ResponseHeader = keyof typeof RESPONSE_HEADERS;

/** What every answer of an authenticated route carries. */
export const COMMON_HEADERS: ResponseHeader[] = [
  'X-Request-Id',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
];

/** References to the named headers, for a response's `headers`. */
export function headerRefs(...names: ResponseHeader[]): Record<string, ReferenceObject> {
  return Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));
}
