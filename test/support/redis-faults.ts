import { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import { KEYS } from './gateway';
import type { TestGateway } from './gateway';
import { GatewayCaller } from './faults-http';
import type { FaultBackend } from './faults-gateway';
import { serverCreateBody } from './faults-resources';

/** The test's own HTTP timeout for one answer: far above any Redis timeout of the gateway (never asserted). */
export const REDIS_ANSWER_WITHIN_MS = 30_000;

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export interface LogCapture {
  logger: Logger;
  lines(): LogLine[];
  /** Lines at warn (40) or above whose message matches. */
  warnings(pattern: RegExp): LogLine[];
}

/** A pino logger that keeps every line in memory, parsed, for the test to read. */
export function captureLogs(level = 'info'): LogCapture {
  const lines: LogLine[] = [];
  const logger = pino(
    { level },
    {
      write(text: string) {
        for (const line of text.split('\n')) if (line.trim()) lines.push(JSON.parse(line) as LogLine);
      },
    },
  );
  return {
    logger,
    lines: () => lines,
    warnings: (pattern) => lines.filter((line) => line.level >= 40 && pattern.test(String(line.msg))),
  };
}

/** A client of the test's own on the gateway's Redis: fails fast while Redis is down, never logs. */
export function operatorClient(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => undefined);
  return redis;
}

/** `maxmemory` below what Redis uses, `noeviction`: every command that may add memory is refused with OOM. */
export async function fillRedis(redis: Redis): Promise<void> {
  await redis.config('SET', 'maxmemory-policy', 'noeviction');
  await redis.config('SET', 'maxmemory', '1');
}

/** No memory limit again. */
export async function freeRedis(redis: Redis): Promise<void> {
  await redis.config('SET', 'maxmemory', '0');
}

/** The admin caller of a test gateway, with the long per-answer deadline above. */
export function adminCaller(gateway: TestGateway): GatewayCaller {
  return new GatewayCaller(gateway.baseUrl, KEYS.admin, REDIS_ANSWER_WITHIN_MS);
}

/** A server create body for the gateway's (only) cloudmc connection. */
export async function cloudmcCreateBody(
  caller: GatewayCaller,
  gateway: TestGateway,
  connection: string,
  name: string,
): Promise<Record<string, unknown>> {
  const backend: FaultBackend = {
    kind: 'cloudmc',
    name: connection,
    handle: gateway.simulators.get(connection)!,
  };
  return serverCreateBody(caller, backend, name);
}

/** Collects every unhandled rejection of this process while installed (a gateway may never leave one). */
export function watchUnhandledRejections(): { reasons: unknown[]; stop(): void } {
  const reasons: unknown[] = [];
  const listener = (reason: unknown) => reasons.push(reason);
  process.on('unhandledRejection', listener);
  return { reasons, stop: () => process.off('unhandledRejection', listener) };
}

/** GET without a key, for the health routes (whose 503 body is a readiness report, not a problem). */
export async function probe(
  baseUrl: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${baseUrl}${path}`, {
    headers,
    signal: AbortSignal.timeout(REDIS_ANSWER_WITHIN_MS),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}
