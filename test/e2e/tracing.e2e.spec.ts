import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { Redis } from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tracingEnabled } from '../../src/common/tracing/tracer';
import { startTracing, type Tracing } from '../../src/common/tracing/tracing-setup';
import type { SimulatorHandle } from '../../sandbox/simulators/common/simulator';
import { SIMULATORS } from '../../sandbox/simulators/simulator-kinds';
import { api, catalogPicks, clientFor, succeeded } from '../support/api';
import { startChildGateway, writeConfig, type ChildGateway } from '../support/child-gateway';
import { KEYS, startTestGateway, workerRedisUrl, type TestGateway } from '../support/gateway';
import { startRecordingRelay, type RecordingRelay } from '../support/recording-relay';

const CM = 'cm-a';
const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${CALLER_TRACE}-${CALLER_SPAN}-01`;
const TRACESTATE = 'caller=opaque-7';

/**
 * A CloudMC simulator behind a relay that keeps every byte the gateway sends it, and a gateway in this process on
 * them: what a backend receives is read from the wire, not from the simulator.
 */
async function startBackend(): Promise<{
  gateway: TestGateway;
  relay: RecordingRelay;
  stop(): Promise<void>;
}> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cloudmux-tracing-'));
  const simulator: SimulatorHandle = await SIMULATORS.find((s) => (s.kind as string) === 'cloudmc')!.start({
    speed: 50,
    dataDir,
  });
  const relay = await startRecordingRelay(simulator.connection.endpoint as string);
  // A gateway on running simulators leaves this worker's Redis database as it is: start from an empty one.
  const redis = new Redis(workerRedisUrl());
  await redis.flushdb();
  redis.disconnect();
  const gateway = await startTestGateway({
    connections: [{ name: CM, kind: 'cloudmc' }],
    reuse: { simulators: new Map([[CM, simulator]]) },
    tuning: { endpoint: relay.url },
  });
  return {
    gateway,
    relay,
    async stop() {
      await gateway.close();
      await relay.close();
      await simulator.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** What the gateway sent the backend, checked for any trace header or the caller's trace id. */
function expectNoTraceSent(relay: RecordingRelay): void {
  const sent = relay.sent().join('\n');
  expect(sent).toMatch(/^(GET|POST) \/api\/v2\//m); // the calls were seen
  expect(sent).not.toMatch(/^(traceparent|tracestate|b3|x-b3-[a-z]+|uber-trace-id|baggage):/im);
  expect(sent).not.toContain(CALLER_TRACE);
  expect(sent).not.toContain(TRACESTATE);
}

describe('tracing on: an in-memory exporter in the gateway process (e2e)', () => {
  let exporter: InMemorySpanExporter;
  let tracing: Tracing;
  let backend: Awaited<ReturnType<typeof startBackend>>;
  const spans = () => exporter.getFinishedSpans();
  const inCallerTrace = () => spans().filter((span) => span.spanContext().traceId === CALLER_TRACE);
  const childrenOf = (parent: ReadableSpan) =>
    spans().filter((span) => span.parentSpanContext?.spanId === parent.spanContext().spanId);

  beforeAll(async () => {
    exporter = new InMemorySpanExporter();
    tracing = startTracing({ role: 'all', exporter, immediate: true });
    backend = await startBackend();
  });

  afterAll(async () => {
    await backend?.stop();
    await tracing?.shutdown();
  });

  beforeEach(() => exporter.reset());

  it("should make a server span per request, parented to the caller's traceparent, with the backend calls as children", async () => {
    const client = clientFor(backend.gateway.baseUrl, KEYS.tenantA, {
      traceparent: TRACEPARENT,
      tracestate: TRACESTATE,
    });
    const listed = await api.listServers({ client, query: { provider: CM } });
    expect(listed.response.status).toBe(200);

    const request = inCallerTrace().find((span) => span.kind === SpanKind.SERVER)!;
    expect(request.name).toBe('GET /v1/servers');
    expect(request.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    expect(request.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/v1/servers',
      'http.response.status_code': 200,
      'cloudmux.api_key': 'tenant-a',
    });
    // The key's configured name, never the key.
    expect(JSON.stringify(spans().map((span) => span.attributes))).not.toContain(KEYS.tenantA);

    const calls = childrenOf(request).filter((span) => span.kind === SpanKind.CLIENT);
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(call.name).toMatch(/^GET cm-a$/);
      expect(call.attributes).toMatchObject({
        'cloudmux.connection': CM,
        'cloudmux.provider_kind': 'cloudmc',
        'cloudmux.operation': expect.stringMatching(/^[a-z]+\.[a-zA-Z.]+$/),
        'http.request.method': 'GET',
        'http.response.status_code': 200,
        'server.address': '127.0.0.1',
      });
    }
    expectNoTraceSent(backend.relay);
  });

  it('should give a span to a request refused before any route code runs, and start a trace without a caller', async () => {
    const refused = await api.listServers({ client: clientFor(backend.gateway.baseUrl, 'not-a-key') });
    expect(refused.response.status).toBe(401);
    const span = spans().find((s) => s.kind === SpanKind.SERVER)!;
    expect(span).toMatchObject({ name: 'GET /v1/servers', parentSpanContext: undefined });
    expect(span.attributes['http.response.status_code']).toBe(401);
    expect(span.attributes['cloudmux.api_key']).toBeUndefined();
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("should let a browser frontend send its trace context, and give the CORS preflight's answer a span too", async () => {
    const preflight = await fetch(`${backend.gateway.baseUrl}/v1/servers`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example.com',
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'authorization,traceparent,tracestate',
        traceparent: TRACEPARENT,
      },
    });
    expect(preflight.status).toBe(204);
    const allowed = preflight.headers.get('access-control-allow-headers')?.toLowerCase() ?? '';
    expect(allowed).toContain('traceparent');
    expect(allowed).toContain('tracestate');
    const span = inCallerTrace().find((s) => s.kind === SpanKind.SERVER)!;
    expect(span.name).toMatch(/^OPTIONS/);
    expect(span.attributes['http.response.status_code']).toBe(204);
  });

  it('should put every step run of a create, and the backend calls of each, in the trace of the request that made it', async () => {
    const client = clientFor(backend.gateway.baseUrl, KEYS.admin, { traceparent: TRACEPARENT });
    const body = { provider: CM, name: 'traced', ...(await catalogPicks(client, CM)) };
    exporter.reset();
    const accepted = await api.createServer({ client, body });
    expect(accepted.response.status).toBe(202);
    const task = await succeeded(clientFor(backend.gateway.baseUrl, KEYS.admin), accepted.data);

    const request = inCallerTrace().find((span) => span.name === 'POST /v1/servers')!;
    expect(request.attributes).toMatchObject({
      'http.response.status_code': 202,
      'cloudmux.api_key': 'admin',
    });
    const steps = inCallerTrace().filter((span) => span.name.startsWith('task.step '));
    // Every step the task shows ran in at least one span (a waiting step runs once per poll).
    expect(new Set(steps.map((span) => span.name.slice('task.step '.length)))).toEqual(
      new Set(task.steps.map((step) => step.name)),
    );
    for (const step of steps) {
      expect(step.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
      expect(step.attributes).toEqual({
        'cloudmux.task_id': task.id,
        'cloudmux.operation': 'server.create',
        'cloudmux.connection': CM,
        'cloudmux.provider_kind': 'cloudmc',
        'cloudmux.step.outcome': expect.stringMatching(/^(done|wait)$/),
      });
    }
    const stepCalls = steps.flatMap(childrenOf);
    expect(stepCalls.map((span) => span.attributes['http.request.method'])).toContain('POST');
    for (const call of stepCalls) {
      expect(call.kind).toBe(SpanKind.CLIENT);
      expect(call.spanContext().traceId).toBe(CALLER_TRACE);
      expect(call.name).toBe(`${call.attributes['http.request.method'] as string} cm-a`);
      expect(call.attributes).toMatchObject({
        'cloudmux.connection': CM,
        'cloudmux.provider_kind': 'cloudmc',
        'cloudmux.operation': expect.any(String),
        'server.address': '127.0.0.1',
        'http.response.status_code': expect.any(Number),
      });
    }
    expectNoTraceSent(backend.relay);
  });
});

describe('tracing off: no OTLP endpoint (e2e)', () => {
  let backend: Awaited<ReturnType<typeof startBackend>>;
  // A global provider, as any library might register one: the gateway still records nothing when its tracing is off.
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

  beforeAll(async () => {
    trace.setGlobalTracerProvider(provider);
    backend = await startBackend();
  });

  afterAll(async () => {
    await backend?.stop();
    trace.disable();
    await provider.shutdown();
  });

  it('should record no span and send no trace header, whatever the caller sends', async () => {
    expect(tracingEnabled()).toBe(false);
    const client = clientFor(backend.gateway.baseUrl, KEYS.admin, {
      traceparent: TRACEPARENT,
      tracestate: TRACESTATE,
    });
    const network = await api.createNetwork({ client, body: { provider: CM, name: 'untraced' } });
    expect(network.response.status).toBe(202);
    await succeeded(client, network.data);
    expect((await api.listServers({ client, query: { provider: CM } })).response.status).toBe(200);
    expect(exporter.getFinishedSpans()).toEqual([]);
    expectNoTraceSent(backend.relay);
  });
});

/** What an OTLP/HTTP JSON export holds, as far as these tests read it. */
interface OtlpExport {
  resourceSpans: Array<{
    resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
    scopeSpans: Array<{
      spans: Array<{
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        attributes: Array<{ key: string; value: { stringValue?: string; intValue?: number | string } }>;
      }>;
    }>;
  }>;
}

/** A local OTLP/HTTP collector that keeps what it is sent. */
async function startCollector(): Promise<{
  url: string;
  exports: OtlpExport[];
  paths: string[];
  server: Server;
}> {
  const exports: OtlpExport[] = [];
  const paths: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      paths.push(`${request.method} ${request.url} ${request.headers['content-type']}`);
      exports.push(JSON.parse(Buffer.concat(chunks).toString()) as OtlpExport);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, exports, paths, server };
}

describe('tracing on in a gateway process: OTEL_EXPORTER_OTLP_ENDPOINT set (e2e)', () => {
  let backends: TestGateway;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let child: ChildGateway | null = null;

  beforeAll(async () => {
    // Simulators, Redis and a config; the process under test is the child below (it runs the workers too).
    backends = await startTestGateway({ connections: [{ name: CM, kind: 'cloudmc' }], role: 'api' });
    collector = await startCollector();
  });

  afterAll(async () => {
    await child?.crash();
    await backends?.close();
    collector?.server.closeAllConnections();
    await new Promise((resolve) => collector?.server.close(resolve));
  });

  it('should export the request, step and backend call spans of a create by OTLP, the last ones at shutdown', async () => {
    const saved = { ...process.env };
    // Read by the child only: spawn copies this environment.
    Object.assign(process.env, {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_SERVICE_NAME: 'cloudmux-e2e',
    });
    try {
      child = await startChildGateway({
        configPath: writeConfig(backends.document),
        redisUrl: backends.redisUrl,
        role: 'all',
      });
    } finally {
      delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
      delete process.env.OTEL_SERVICE_NAME;
      Object.assign(process.env, saved);
    }
    const client = clientFor(child.baseUrl, KEYS.admin, { traceparent: TRACEPARENT });
    const accepted = await api.createNetwork({ client, body: { provider: CM, name: 'exported' } });
    expect(accepted.response.status).toBe(202);
    const task = await succeeded(client, accepted.data);
    expect(await child.signal('SIGTERM')).toBe(0);

    expect(collector.paths.every((path) => path === 'POST /v1/traces application/json')).toBe(true);
    const resource = Object.fromEntries(
      collector.exports[0].resourceSpans[0].resource.attributes.map((a) => [a.key, a.value.stringValue]),
    );
    expect(resource).toMatchObject({ 'service.name': 'cloudmux-e2e', 'cloudmux.role': 'all' });
    const exported = collector.exports.flatMap((e) =>
      e.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((scope) => scope.spans)),
    );
    const attribute = (span: (typeof exported)[number], key: string) =>
      span.attributes.find((a) => a.key === key)?.value.stringValue;
    const traced = exported.filter((span) => span.traceId === CALLER_TRACE);
    const request = traced.find((span) => span.name === 'POST /v1/networks')!;
    expect(request.parentSpanId).toBe(CALLER_SPAN);
    const steps = traced.filter((span) => span.name.startsWith('task.step '));
    expect(steps.length).toBeGreaterThanOrEqual(task.steps.length);
    expect(steps.every((step) => step.parentSpanId === request.spanId)).toBe(true);
    expect(steps.every((step) => attribute(step, 'cloudmux.task_id') === task.id)).toBe(true);
    const stepIds = new Set(steps.map((step) => step.spanId));
    const calls = traced.filter((span) => stepIds.has(span.parentSpanId ?? ''));
    expect(calls.map((call) => call.name)).toContain('POST cm-a');
    expect(calls.every((call) => attribute(call, 'cloudmux.connection') === CM)).toBe(true);
  });
});
