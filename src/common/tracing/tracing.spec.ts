import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { endBackendCallSpan, inStepSpan, startBackendCallSpan } from './spans';
import { activeTraceparent, callerContext } from './trace-context';
import { traceRequests } from './request-spans';
import { activeTracer, tracingEnabled } from './tracer';
import { startTracing, type Tracing } from './tracing-setup';

const CALLER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';
const CALLER = `00-${CALLER_TRACE}-${CALLER_SPAN}-01`;

const call = (attempt = 0) => ({
  connection: 'cm-a',
  providerKind: 'cloudmc',
  operation: 'servers.list',
  method: 'GET',
  serverAddress: '127.0.0.1',
  serverPort: 8080,
  attempt,
});
const step = (traceparent?: string) => ({
  taskId: 'tsk_1',
  step: 'create-vm',
  operation: 'server.create',
  connection: 'cm-a',
  providerKind: 'cloudmc',
  traceparent,
});

describe('tracing off (no OTLP endpoint)', () => {
  it('should do nothing at any span site, and not even read what it would record', async () => {
    expect(tracingEnabled()).toBe(false);
    const info = jest.fn(step);
    await expect(
      inStepSpan(
        info,
        async () => 'ran',
        () => 'done',
      ),
    ).resolves.toBe('ran');
    expect(info).not.toHaveBeenCalled();
    const callInfo = jest.fn(call);
    expect(startBackendCallSpan(callInfo)).toBeUndefined();
    expect(callInfo).not.toHaveBeenCalled();
    expect(activeTraceparent()).toBeUndefined();
  });

  it('should register no hooks on the HTTP server', async () => {
    const app = Fastify();
    const addHook = jest.spyOn(app, 'addHook');
    traceRequests(app);
    expect(addHook).not.toHaveBeenCalled();
    await app.close();
  });
});

describe('tracing on (an in-memory exporter)', () => {
  let exporter: InMemorySpanExporter;
  let tracing: Tracing;
  const ended = () => exporter.getFinishedSpans();
  const named = (name: string): ReadableSpan => {
    const found = ended().find((span) => span.name === name);
    if (!found)
      throw new Error(
        `no span '${name}' in ${ended()
          .map((s) => s.name)
          .join(', ')}`,
      );
    return found;
  };

  beforeEach(() => {
    exporter = new InMemorySpanExporter();
    tracing = startTracing({ role: 'worker', exporter, immediate: true });
  });

  afterEach(() => tracing.shutdown());

  it('should refuse a second start in the same process', () => {
    expect(() => startTracing({ role: 'api', exporter })).toThrow(/already started/);
  });

  it("should run a step in a span of the request's trace, with its backend calls as children", async () => {
    const outcome = await inStepSpan(
      () => step(CALLER),
      async () => {
        endBackendCallSpan(
          startBackendCallSpan(() => call(0)),
          503,
          'provider_unavailable',
        );
        endBackendCallSpan(
          startBackendCallSpan(() => call(1)),
          200,
        );
        return { status: 'wait' };
      },
      (result) => result.status,
    );
    expect(outcome).toEqual({ status: 'wait' });
    const stepSpan = named('task.step create-vm');
    expect(stepSpan.spanContext().traceId).toBe(CALLER_TRACE);
    expect(stepSpan.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    expect(stepSpan.kind).toBe(SpanKind.INTERNAL);
    expect(stepSpan.attributes).toEqual({
      'cloudmux.task_id': 'tsk_1',
      'cloudmux.operation': 'server.create',
      'cloudmux.connection': 'cm-a',
      'cloudmux.provider_kind': 'cloudmc',
      'cloudmux.step.outcome': 'wait',
    });
    const calls = ended().filter((span) => span.name === 'GET cm-a');
    expect(calls).toHaveLength(2);
    for (const span of calls) {
      expect(span.kind).toBe(SpanKind.CLIENT);
      expect(span.spanContext().traceId).toBe(CALLER_TRACE);
      expect(span.parentSpanContext?.spanId).toBe(stepSpan.spanContext().spanId);
      expect(span.attributes).toMatchObject({
        'cloudmux.connection': 'cm-a',
        'cloudmux.provider_kind': 'cloudmc',
        'cloudmux.operation': 'servers.list',
        'http.request.method': 'GET',
        'server.address': '127.0.0.1',
        'server.port': 8080,
      });
    }
    expect(calls[0].attributes).toMatchObject({
      'http.response.status_code': 503,
      'error.type': 'provider_unavailable',
    });
    expect(calls[0].status.code).toBe(SpanStatusCode.ERROR);
    expect(calls[1].attributes['http.request.resend_count']).toBe(1);
    expect(calls[1].status.code).toBe(SpanStatusCode.UNSET);
  });

  it('should start a new trace for a task without a stored traceparent, and mark a failed step', async () => {
    const failure = Object.assign(new Error('backend said no'), { code: 'provider_error' });
    await expect(
      inStepSpan(
        () => step(undefined),
        () => Promise.reject(failure),
        () => 'done',
      ),
    ).rejects.toBe(failure);
    const span = named('task.step create-vm');
    expect(span.parentSpanContext).toBeUndefined();
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR });
    expect(span.attributes).toMatchObject({
      'cloudmux.step.outcome': 'error',
      'error.type': 'provider_error',
    });
  });

  it('should give the active span as a traceparent, and ignore a malformed caller header', () => {
    expect(activeTraceparent()).toBeUndefined();
    const parent = callerContext({ traceparent: CALLER, tracestate: 'vendor=1' });
    expect(trace.getSpanContext(parent)).toMatchObject({ traceId: CALLER_TRACE, spanId: CALLER_SPAN });
    // Our tracer: the global one stays the API's no-op (nothing else in the process traces).
    expect(trace.getTracer('t').startSpan('x').isRecording()).toBe(false);
    const span = activeTracer()!.startSpan('x');
    const traceparent = context.with(trace.setSpan(context.active(), span), activeTraceparent);
    expect(traceparent).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
    expect(trace.getSpanContext(callerContext({ traceparent: '00-zz-not-a-trace' }))).toBeUndefined();
  });

  it('should stop recording at shutdown', async () => {
    await tracing.shutdown();
    expect(tracingEnabled()).toBe(false);
    expect(startBackendCallSpan(() => call())).toBeUndefined();
  });

  describe('HTTP requests', () => {
    let app: FastifyInstance;
    let base = '';
    const seen: Record<string, string | undefined> = {};

    beforeEach(async () => {
      app = Fastify();
      traceRequests(app);
      app.addHook('onRequest', async (request, reply) => {
        if (request.headers['x-refuse']) await reply.code(401).send({ refused: true });
      });
      app.post('/v1/servers/:id/actions', async (request) => {
        (request as unknown as { caller: { keyName: string } }).caller = { keyName: 'tenant-a' };
        await new Promise((resolve) => setTimeout(resolve, 5));
        seen.traceparent = activeTraceparent();
        return { ok: true };
      });
      app.get('/boom', async () => {
        throw new Error('boom');
      });
      await app.listen({ host: '127.0.0.1', port: 0 });
      base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    });

    afterEach(() => app.close());

    it("should make one server span per request, named by the route, parented to the caller's traceparent", async () => {
      const response = await fetch(`${base}/v1/servers/srv_123/actions?x=1`, {
        method: 'POST',
        headers: { traceparent: CALLER, 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'reboot' }),
      });
      expect(response.status).toBe(200);
      const span = named('POST /v1/servers/:id/actions');
      expect(span.kind).toBe(SpanKind.SERVER);
      expect(span.spanContext().traceId).toBe(CALLER_TRACE);
      expect(span.parentSpanContext?.spanId).toBe(CALLER_SPAN);
      expect(span.attributes).toEqual({
        'http.request.method': 'POST',
        'http.route': '/v1/servers/:id/actions',
        'http.response.status_code': 200,
        'cloudmux.api_key': 'tenant-a',
      });
      // The handler (after its body was read, and across an await) ran inside the request span.
      expect(seen.traceparent).toBe(`00-${CALLER_TRACE}-${span.spanContext().spanId}-01`);
    });

    it('should give a span to answers from hooks and the router, and mark 5xx only as errors', async () => {
      await fetch(`${base}/v1/servers/x/actions`, { method: 'POST', headers: { 'x-refuse': '1' } });
      await fetch(`${base}/nowhere/srv_secret`);
      await fetch(`${base}/boom`);
      const refused = named('POST /v1/servers/:id/actions');
      expect(refused.attributes['http.response.status_code']).toBe(401);
      expect(refused.status.code).toBe(SpanStatusCode.UNSET);
      expect(refused.parentSpanContext).toBeUndefined();
      const missing = named('GET');
      expect(missing.attributes).toEqual({ 'http.request.method': 'GET', 'http.response.status_code': 404 });
      const failed = named('GET /boom');
      expect(failed.status.code).toBe(SpanStatusCode.ERROR);
      expect(failed.attributes['error.type']).toBe('500');
      expect(JSON.stringify(ended().map((s) => [s.name, s.attributes]))).not.toContain('srv_');
    });
  });
});

// The OTLP exporter itself (the default) is proven from a gateway process, in test/e2e/tracing.e2e.spec.ts: it
// loads node:http by a dynamic import, which Jest's module sandbox cannot run.
