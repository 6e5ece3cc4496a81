import type { Child } from './processes';
import type { RedisTarget } from './redis-target';

export interface BenchSimulator {
  kind: string;
  /** Connection name in the gateway config. */
  name: string;
  connection: Record<string, unknown>;
  /** Root URL, where `/__sim/` lives. */
  url: string;
  process: Child;
}

export interface BenchContext {
  apiUrl: string;
  key: string;
  redis: RedisTarget;
  simulators: BenchSimulator[];
  api: Child & { url: string };
  /** The worker processes (issue 16: two), each measured on its own. */
  workers: Array<Child & { url: string }>;
  /** The connections' poll interval: one tick of the shared polls (docs/design.md#coalesced-polling). */
  pollIntervalMs: number;
  /** Seconds each measured load runs. */
  loadSeconds: number;
  /** Tasks in flight in the tasks scenario. */
  taskCount: number;
}

/** Calls a simulator's control API. */
export async function simControl(
  simulator: BenchSimulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const response = await fetch(`${simulator.url}/__sim${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${simulator.kind} simulator ${method} ${path}: ${response.status}`);
  return response.json();
}

/** Calls the gateway's API with the bench key. */
export async function gatewayCall<T>(
  context: BenchContext,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${context.apiUrl}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${context.key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}
