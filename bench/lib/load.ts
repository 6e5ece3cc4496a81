import autocannon from 'autocannon';

export interface LoadResult {
  p50: number;
  p99: number;
  mean: number;
  rps: number;
  requests: number;
  /** Non-2xx answers, errors and timeouts: a scenario with any is not a valid measurement. */
  failures: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  headers?: Record<string, string>;
  /** Paths to spread the requests over (picked at random per request). */
  paths?: string[];
}

/** One autocannon run over loopback, after a short warm-up (JIT, keep-alive connections, caches). */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const paths = options.paths;
  const requests = paths
    ? [
        {
          method: 'GET',
          setupRequest: (request: { path?: string }) => ({
            ...request,
            path: paths[Math.floor(Math.random() * paths.length)],
          }),
        },
      ]
    : undefined;
  await autocannon({
    url: options.url,
    connections: options.connections,
    duration: Math.min(3, Math.max(1, options.durationSeconds / 4)),
    headers: options.headers,
    requests,
  });
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    headers: options.headers,
    requests,
  });
  return {
    p50: result.latency.p50,
    p99: result.latency.p99,
    mean: Math.round(result.latency.mean * 100) / 100,
    rps: Math.round(result.requests.average),
    requests: result.requests.total,
    failures: result.non2xx + result.errors + result.timeouts,
  };
}

export const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 1000 : null);
