import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '@opentelemetry/semantic-conventions';
import { SPAN_ATTRIBUTES as A } from './span-attributes';
import { contextOfTraceparent } from './trace-context';
import { activeTracer } from './tracer';

export interface StepSpanInfo {
  taskId: string;
  /** The step's name as the task shows it (`create-vm`, `undo-delete`...). */
  step: string;
  operation: string;
  connection: string;
  providerKind: string;
  /** The request span's `traceparent`, stored with the task at intake: the step joins that trace. */
  traceparent?: string;
}

/** A short machine word for a failure: a gateway error's code, else the error's class name. */
function errorType(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'error';
}

/**
 * Runs one step run of a task in a span `task.step <name>` (docs/design.md#tracing); the backend calls it makes
 * are its children. `info` is only read when tracing is on. `outcomeOf` names how the run ended.
 */
export async function inStepSpan<T>(
  info: () => StepSpanInfo,
  work: () => Promise<T>,
  outcomeOf: (result: T) => string,
): Promise<T> {
  const tracer = activeTracer();
  if (!tracer) return work();
  const step = info();
  const span = tracer.startSpan(
    `task.step ${step.step}`,
    {
      kind: SpanKind.INTERNAL,
      attributes: {
        [A.taskId]: step.taskId,
        [A.operation]: step.operation,
        [A.connection]: step.connection,
        [A.providerKind]: step.providerKind,
      },
    },
    contextOfTraceparent(step.traceparent),
  );
  try {
    const result = await context.with(trace.setSpan(context.active(), span), work);
    span.setAttribute(A.stepOutcome, outcomeOf(result));
    return result;
  } catch (error) {
    // Codes only: messages may quote a backend, and a trace collector is one more place to keep them from.
    span.setAttributes({ [A.stepOutcome]: 'error', [ATTR_ERROR_TYPE]: errorType(error) });
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}

export interface BackendCallInfo {
  connection: string;
  providerKind: string;
  /** The call's label, e.g. `servers.list`. */
  operation: string;
  method: string;
  serverAddress: string;
  serverPort?: number;
  /** 0 for the first try, then 1, 2... */
  attempt: number;
}

/**
 * A client span `<METHOD> <connection>` for one try of an upstream call, child of whatever span is active (a
 * request or a task step); undefined when tracing is off. Nothing is injected into the call: see trace-context.ts.
 */
export function startBackendCallSpan(info: () => BackendCallInfo): Span | undefined {
  const tracer = activeTracer();
  if (!tracer) return undefined;
  const call = info();
  return tracer.startSpan(
    `${call.method} ${call.connection}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        [A.connection]: call.connection,
        [A.providerKind]: call.providerKind,
        [A.operation]: call.operation,
        [ATTR_HTTP_REQUEST_METHOD]: call.method,
        [ATTR_SERVER_ADDRESS]: call.serverAddress,
        ...(call.serverPort ? { [ATTR_SERVER_PORT]: call.serverPort } : {}),
        ...(call.attempt > 0 ? { [ATTR_HTTP_REQUEST_RESEND_COUNT]: call.attempt } : {}),
      },
    },
    context.active(),
  );
}

/** Ends a backend call span: the answer's status when there was one, and `failure` (an error code) when it failed. */
export function endBackendCallSpan(span: Span | undefined, status: number | null, failure?: string): void {
  if (!span) return;
  if (status !== null) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
  if (failure) {
    span.setAttribute(ATTR_ERROR_TYPE, failure);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}
