import type { Tracer } from '@opentelemetry/api';

/**
 * The tracer of this process, or null when tracing is off (docs/design.md#tracing). Every span site asks for it
 * first and does nothing more when it is null: a gateway without `OTEL_EXPORTER_OTLP_ENDPOINT` reads no headers
 * and builds no attributes for spans.
 */
let current: Tracer | null = null;

export function activeTracer(): Tracer | null {
  return current;
}

export function tracingEnabled(): boolean {
  return current !== null;
}

/** Set by tracing-setup.ts only. */
export function useTracer(tracer: Tracer | null): void {
  current = tracer;
}
