import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
} from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthenticatedRequest } from '../auth/auth.decorators';
import { SPAN_ATTRIBUTES as A } from './span-attributes';
import { callerContext } from './trace-context';
import { activeTracer } from './tracer';

const spans = new WeakMap<FastifyRequest, Span>();
/** Requests whose span has ended (an aborted request may still see onResponse). */
const ended = new WeakSet<FastifyRequest>();

function startRequestSpan(request: FastifyRequest, startTime?: number): Span | undefined {
  const tracer = activeTracer();
  if (!tracer) return undefined;
  const span = tracer.startSpan(
    request.method,
    {
      kind: SpanKind.SERVER,
      attributes: { [ATTR_HTTP_REQUEST_METHOD]: request.method },
      ...(startTime !== undefined ? { startTime } : {}),
    },
    callerContext(request.headers),
  );
  spans.set(request, span);
  return span;
}

function endRequestSpan(request: FastifyRequest, reply: FastifyReply | null): void {
  if (ended.has(request)) return;
  ended.add(request);
  // Answers that skip the onRequest hooks (the router's framework errors) get a span that starts when they did.
  const span =
    spans.get(request) ?? (reply ? startRequestSpan(request, Date.now() - reply.elapsedTime) : undefined);
  if (!span) return;
  spans.delete(request);
  // The template, never the URL: ids and query strings stay out of span names and attributes.
  const route = request.routeOptions?.url;
  span.updateName(route ? `${request.method} ${route}` : request.method);
  if (route) span.setAttribute(ATTR_HTTP_ROUTE, route);
  const keyName = (request as AuthenticatedRequest).caller?.keyName;
  if (keyName) span.setAttribute(A.apiKey, keyName);
  if (reply) {
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, reply.statusCode);
    // A server span is in error for 5xx only: a 4xx is the client's (OpenTelemetry HTTP conventions).
    if (reply.statusCode >= 500) {
      span.setAttribute(ATTR_ERROR_TYPE, String(reply.statusCode));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
  } else {
    span.setAttribute(ATTR_ERROR_TYPE, 'aborted');
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/**
 * A server span per HTTP request (docs/design.md#tracing), whatever answers it: a route, a guard, a pipe, the
 * router's 404 or an onRequest hook (CORS preflights, Host checks), so the hooks go first. The caller's
 * `traceparent` is its parent. Nothing is registered when tracing is off.
 */
export function traceRequests(fastify: FastifyInstance): void {
  if (!activeTracer()) return;
  fastify.addHook('onRequest', (request, _reply, done) => {
    startRequestSpan(request);
    done();
  });
  // The handler runs in the span's context, so that the task it submits records the trace and the backend calls
  // of a read are its children. Bound here, once the body is read: the body's stream events run outside any
  // context bound at onRequest.
  fastify.addHook('preHandler', (request, _reply, done) => {
    const span = spans.get(request);
    if (!span) return done();
    context.with(trace.setSpan(ROOT_CONTEXT, span), done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    endRequestSpan(request, reply);
    done();
  });
  fastify.addHook('onRequestAbort', (request, done) => {
    endRequestSpan(request, null);
    done();
  });
}
