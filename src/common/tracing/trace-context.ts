import {
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type Context,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { tracingEnabled } from './tracer';

/**
 * W3C trace context, read from callers only. It is deliberately not the global propagator: nothing in the process
 * can inject it into an outgoing request, so a backend or a webhook target never learns a caller's trace
 * (docs/design.md#tracing).
 */
const w3c = new W3CTraceContextPropagator();

/** The caller's context from its `traceparent` and `tracestate` headers; the root context when absent or malformed. */
export function callerContext(headers: Record<string, string | string[] | undefined>): Context {
  return w3c.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
}

/** The `traceparent` of the active span, kept with a task so its steps join the request's trace; undefined when off. */
export function activeTraceparent(): string | undefined {
  if (!tracingEnabled()) return undefined;
  const carrier: Record<string, string> = {};
  w3c.inject(context.active(), carrier, defaultTextMapSetter);
  return carrier.traceparent;
}

/** The context a stored `traceparent` names; the root context without one. */
export function contextOfTraceparent(traceparent: string | undefined): Context {
  return traceparent ? w3c.extract(ROOT_CONTEXT, { traceparent }, defaultTextMapGetter) : ROOT_CONTEXT;
}
