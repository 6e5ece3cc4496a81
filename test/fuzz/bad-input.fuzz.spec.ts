import { acceptedMutationCases } from './accepted-mutations';
import { deepCases, invalidJsonCases, sizeCases, unicodeCases } from './byte-mutations';
import { fuzzSuite, RUNS } from './fuzz-suite';
import {
  acceptCases,
  authorizationCases,
  contentTypeCases,
  idempotencyKeyCases,
  lastEventIdCases,
  preferCases,
  requestIdCases,
} from './header-mutations';
import { bodyCases } from './openapi-mutations';
import { protocolCases } from './protocol-mutations';
import { methodCases, pathIdCases } from './path-mutations';
import { forgedResourceCursorCases, queryCases } from './query-mutations';

/**
 * Invalid requests generated from openapi/openapi.json against all four sandbox backends: every answer is below
 * 500 (but a 501 the capability documents declare), every 4xx is problem+json with the code docs/errors.md
 * gives its status, 400s name the offending field or header, and nothing invalid becomes a task or reaches a
 * backend. One gateway for all properties: starting four simulators costs more than a property.
 */
describe('bad input (fuzz)', () => {
  const { property, accepting } = fuzzSuite('bad-input');

  describe('bodies', () => {
    property(
      'refuses bodies that break their schema: wrong types, missing or unknown fields, long strings, bad numbers',
      ({ operations, fixtures }) => bodyCases(operations, fixtures),
      RUNS * 3,
    );

    property(
      'refuses bytes that are not JSON, and takes those that are as far as 404',
      ({ operations, fixtures }) => invalidJsonCases(operations, fixtures),
    );

    property('refuses bodies nested deeper than the limit, up to 10,000 levels', ({ operations, fixtures }) =>
      deepCases(operations, fixtures),
    );

    property(
      'answers bodies over the size limit with 413, sent with Content-Length or chunked',
      ({ operations, fixtures }) => sizeCases(operations, fixtures),
    );

    property('takes names in any script as far as 404, and refuses control characters', ({ fixtures }) =>
      unicodeCases(fixtures),
    );
  });

  describe('paths, queries and methods', () => {
    property(
      'answers malformed ids with 400, unknown connections and missing resources with 404',
      ({ operations, fixtures }) => pathIdCases(operations, fixtures),
      RUNS * 2,
    );

    property(
      'refuses bad query values, repeated, unknown and forged query parameters',
      ({ operations, fixtures }) => queryCases(operations, fixtures),
      RUNS * 2,
    );

    property('answers methods a path does not have with 404 or 405', ({ operations, fixtures }) =>
      methodCases(operations, fixtures),
    );
  });

  describe('headers', () => {
    property('refuses an Idempotency-Key that is not 1 to 255 visible ASCII characters', ({ operations }) =>
      idempotencyKeyCases(operations),
    );

    property('never fails on a Prefer header of any shape', ({ operations }) => preferCases(operations));

    property('resumes events after a stream id and refuses any other Last-Event-ID', () =>
      lastEventIdCases(),
    );

    property('answers 401 to every Authorization but a configured bearer key', ({ fixtures }) =>
      authorizationCases(fixtures),
    );

    property('answers the same whatever the Accept header asks for', () => acceptCases());

    property('parses JSON content types and answers 415 to any other', () => contentTypeCases());

    property('echoes a well-formed X-Request-Id and replaces any other', () => requestIdCases());

    accepting(
      'applies or ignores Prefer on valid mutations and makes exactly one task per accepted answer',
      ({ fixtures }) => acceptedMutationCases(fixtures),
    );
  });

  describe('pending fixes outside src/common (it.failing until the proposed patches land)', () => {
    // create-app.ts must wire src/common/errors/framework-errors.ts, strictPreflight: false and an onSend hook.
    property('answers what the HTTP parser and router refuse with 4xx problem+json', () => protocolCases());

    // resource-reader.service.ts must pass a cursor check to decodePageToken.
    property('refuses a forged page token whose cursor is not a resource id', ({ operations }) =>
      forgedResourceCursorCases(operations),
    );
  });
});
