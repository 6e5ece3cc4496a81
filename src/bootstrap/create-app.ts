import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import sjson from 'secure-json-parse';
import { monotonicFactory } from 'ulid';
import { AppModule } from '../app.module';
import {
  clientErrorProblems,
  frameworkErrorProblems,
  hostRequired,
  markAnsweredEarly,
} from '../common/errors/framework-errors';
import { ProblemFilter } from '../common/errors/problem.filter';
import { securityHeaders } from '../common/http/security-headers';
import { createValidationPipe } from '../common/http/validation';
import { PinoNestLogger, loggableUrl } from '../common/logging/logger';
import { MetricsService } from '../common/metrics/metrics.service';
import { traceRequests } from '../common/tracing/request-spans';
import type { ServerSettings } from '../config/config.schema';
import type { GatewayConfig } from '../config/gateway-config';
import { RequestSchemas } from '../application/request-schemas';
import { buildOpenApiDocument } from './openapi';

// Request ids need to be unique and sortable, not unguessable: a fast PRNG (crypto randomness cost ~6 % of a
// cached read). Task ids keep the crypto source (task-intake.service.ts).
const ulid = monotonicFactory(() => Math.random());
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Headers a browser frontend may read and send (docs/design.md#what-the-gateway-is: frontends are its first
 * users).
 */
export const EXPOSED_HEADERS = [
  'Location',
  'X-Request-Id',
  'Preference-Applied',
  'Retry-After',
  'Cache-Status',
  'Age',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'ETag',
];
export const ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'Idempotency-Key',
  'Prefer',
  'Last-Event-ID',
  'X-Request-Id',
  'If-Match',
  'If-None-Match',
  // A frontend's W3C trace context (docs/design.md#tracing): read when tracing is on, passed to no backend.
  'traceparent',
  'tracestate',
];

/**
 * How long a client may take over its request and how long an idle connection stays (`server.*TimeoutMs`), so
 * that slow or silent clients cannot hold connections. Node's request deadline stops once the request has
 * arrived: what the gateway then takes (long polls, event streams) is bounded by `connectionTimeout` only, which
 * counts silence on the socket. Node checks the request deadlines on `connectionsCheckingInterval` (30 s by
 * default, which would let a slow client overstay them by as much): here a fraction of the head deadline.
 */
export function serverTimeouts(server: ServerSettings) {
  const headersTimeout = Math.min(server.headersTimeoutMs, server.requestTimeoutMs);
  return {
    requestTimeout: server.requestTimeoutMs,
    connectionTimeout: server.connectionTimeoutMs,
    keepAliveTimeout: server.keepAliveTimeoutMs,
    http: {
      requestTimeout: server.requestTimeoutMs,
      headersTimeout,
      keepAliveTimeout: server.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.max(250, Math.min(5_000, Math.floor(headersTimeout / 2))),
      // Node answers a bare 400 to an HTTP/1.1 request without Host: refused by `hostRequired` with a problem.
      requireHostHeader: false,
    },
  };
}

export interface CreateAppOptions {
  /** Skip Swagger UI and the OpenAPI route (the OpenAPI script builds its own document). */
  docs?: boolean;
  /** Nest preview mode: providers are not instantiated (no Redis needed). */
  preview?: boolean;
}

/** The gateway as a Nest Fastify application, configured the same way for production, tests and the sandbox. */
/** A provider of a module the role may not load (the API's, in a worker): null when absent. */
function optionalProvider<T>(app: NestFastifyApplication, token: new (...args: never[]) => T): T | null {
  try {
    return app.get(token, { strict: false });
  } catch {
    return null;
  }
}

export async function createApp(
  config: GatewayConfig,
  logger: Logger,
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const headers = securityHeaders();
  const adapter = new FastifyAdapter({
    ...serverTimeouts(config.server),
    bodyLimit: config.server.bodyLimitBytes,
    trustProxy: config.server.trustProxy,
    requestIdHeader: false,
    genReqId: (request: { headers: Record<string, string | string[] | undefined> }) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : ulid();
    },
    routerOptions: { maxParamLength: 512, ignoreTrailingSlash: true },
    // What the router and Node's HTTP parser refuse before Nest sees a request: problem+json as well.
    frameworkErrors: frameworkErrorProblems(headers),
    clientErrorHandler: clientErrorProblems(() => ulid()),
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, logger), adapter, {
    logger: new PinoNestLogger(logger.child({ component: 'nest' })),
    preview: options.preview,
    abortOnError: false,
    // Our own JSON parser below replaces Nest's, so that bad bodies get our problem answers.
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  // First, so that every answer has its span, even one an onRequest hook gives (docs/design.md#tracing).
  traceRequests(fastify);

  // Strict JSON: prototype poisoning rejected; an empty body with a JSON content type is simply no body.
  fastify.removeAllContentTypeParsers(); // Fastify also parses text/plain by default: bodies here are JSON only (415)
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    (_request: FastifyRequest, body: string | Buffer, done) => {
      const text = body.toString();
      if (text.trim() === '') return done(null, undefined);
      try {
        done(null, sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
      } catch {
        done(
          Object.assign(new Error('The request body is not valid JSON.'), {
            statusCode: 400,
            code: 'FST_ERR_CTP_INVALID_JSON_BODY',
          }),
          undefined,
        );
      }
    },
  );

  const metrics = app.get(MetricsService);
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions?.url ?? 'unmatched';
    metrics.httpDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    if (reply.statusCode >= 500)
      logger.warn(
        {
          requestId: request.id,
          method: request.method,
          url: loggableUrl(request.url),
          status: reply.statusCode,
        },
        'request failed',
      );
    else
      logger.debug(
        {
          requestId: request.id,
          method: request.method,
          url: loggableUrl(request.url),
          status: reply.statusCode,
          ms: reply.elapsedTime,
        },
        'request',
      );
    done();
  });

  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.headers(headers).header('X-Request-Id', request.id);
    done();
  });
  fastify.addHook('onRequest', hostRequired(headers));
  fastify.addHook('onResponse', markAnsweredEarly);
  // Answers that end before that hook runs (CORS preflights: @fastify/cors answers in an earlier onRequest hook).
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (!reply.hasHeader('x-request-id')) void reply.headers(headers).header('X-Request-Id', request.id);
    done(null, payload);
  });

  const origins = config.server.cors.allowedOrigins;
  if (origins.length) {
    app.enableCors({
      origin: origins.includes('*') ? true : origins,
      methods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
      allowedHeaders: ALLOWED_HEADERS,
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: config.server.cors.maxAgeSeconds,
      // An OPTIONS that is not a preflight gets 204 rather than @fastify/cors' text/plain 400.
      strictPreflight: false,
    });
  }

  app.useGlobalFilters(new ProblemFilter(logger));
  app.useGlobalPipes(createValidationPipe());

  // The API's schemas serve the docs and the per-connection request schemas (docs/design.md#the-request-schema).
  const requestSchemas = options.preview ? null : optionalProvider(app, RequestSchemas);
  if ((options.docs !== false || requestSchemas) && !options.preview) {
    const document = await buildOpenApiDocument(app);
    requestSchemas?.useDocument(document);
    if (options.docs !== false)
      SwaggerModule.setup('docs', app, document, {
        jsonDocumentUrl: 'openapi.json',
        yamlDocumentUrl: 'openapi.yaml',
        raw: ['json', 'yaml'],
      });
  }
  await app.init();
  return app;
}
