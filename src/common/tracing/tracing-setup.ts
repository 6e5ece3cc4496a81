import { context, diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Logger } from 'pino';
import type { GatewayRole } from '../../config/env';
import { SPAN_ATTRIBUTES } from './span-attributes';
import { activeTracer, useTracer } from './tracer';

export interface TracingOptions {
  role: GatewayRole;
  /** `service.name` (OTEL_SERVICE_NAME); default `cloudmux`. */
  serviceName?: string;
  /** Where the exporter's own failures are told (an unreachable collector), as warnings. */
  logger?: Logger;
  /**
   * Where spans go. Default: OTLP over HTTP, configured by the standard `OTEL_EXPORTER_OTLP_*` variables (the
   * exporter reads them itself), in batches. Tests pass an in-memory exporter.
   */
  exporter?: SpanExporter;
  /** Export each span as it ends rather than in batches (tests). */
  immediate?: boolean;
}

export interface Tracing {
  /** Exports what has ended so far. */
  flush(): Promise<void>;
  /** Exports what is left and stops recording: from then on, span sites do nothing. */
  shutdown(): Promise<void>;
}

function diagLogger(logger: Logger): DiagLogger {
  const ignore = () => undefined;
  const log = logger.child({ component: 'tracing' });
  return {
    error: (message, ...args) => log.warn({ args }, message),
    warn: (message, ...args) => log.warn({ args }, message),
    info: ignore,
    debug: ignore,
    verbose: ignore,
  };
}

/**
 * Starts recording spans in this process (docs/design.md#tracing). main.ts calls it only when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` is set, before the app is built; without it no provider exists and no span site
 * does any work. Only our own tracer and the context manager are registered: no global tracer provider and no
 * global propagator, so no library traces on its own and nothing injects trace headers into outgoing calls.
 */
export function startTracing(options: TracingOptions): Tracing {
  if (activeTracer()) throw new Error('Tracing is already started in this process.');
  if (options.logger) diag.setLogger(diagLogger(options.logger), DiagLogLevel.WARN);
  const exporter = options.exporter ?? new OTLPTraceExporter();
  const provider = new BasicTracerProvider({
    // OTEL_RESOURCE_ATTRIBUTES adds to these; the service name and role are ours.
    resource: defaultResource()
      .merge(detectResources({ detectors: [envDetector] }))
      .merge(
        resourceFromAttributes({
          [ATTR_SERVICE_NAME]: options.serviceName || 'cloudmux',
          [SPAN_ATTRIBUTES.role]: options.role,
        }),
      ),
    spanProcessors: [
      options.immediate ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter),
    ],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  const registered = context.setGlobalContextManager(contextManager);
  useTracer(provider.getTracer('cloudmux'));
  let stopped: Promise<void> | null = null;
  return {
    flush: () => provider.forceFlush(),
    shutdown: () =>
      (stopped ??= (async () => {
        useTracer(null);
        if (registered) context.disable();
        contextManager.disable();
        await provider.shutdown();
        if (options.logger) diag.disable();
      })()),
  };
}
