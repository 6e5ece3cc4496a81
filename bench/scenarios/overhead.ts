import { type BenchContext, gatewayCall, simControl } from '../lib/context';
import { load, ratio, type LoadResult } from '../lib/load';

export interface OverheadResult {
  kind: string;
  injectedLatencyMs: number;
  resources: number;
  direct: LoadResult;
  gateway: LoadResult;
  overheadRatioP50: number | null;
  overheadRatioP99: number | null;
}

const LATENCY_MS = 20;
const CONNECTIONS = 50;

/**
 * GET of one resource through the gateway (`?fresh=true`: a backend call every time) against the same backend
 * call made straight to the simulator, both with 20 ms injected latency, 50 concurrent, spread over many
 * resources so the gateway cannot merge concurrent reads of one resource.
 */
export async function overhead(context: BenchContext): Promise<OverheadResult> {
  const simulator = context.simulators.find((s) => s.kind === 'cloudmc')!;
  const created = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      gatewayCall<{ status: string; result: { nativeId: string } }>(
        context,
        'POST',
        '/v1/networks',
        { provider: simulator.name, name: `bench-net-${i}` },
        { Prefer: 'wait=60' },
      ),
    ),
  );
  const ids = created.filter((c) => c.body.status === 'succeeded').map((c) => c.body.result.nativeId);
  const { endpoint, apiKey, serviceCode, environment } = simulator.connection as Record<string, string>;
  const base = new URL(endpoint).pathname;
  await simControl(simulator, 'POST', '/faults', { action: 'delay', delayMs: LATENCY_MS });
  try {
    const direct = await load({
      url: simulator.url,
      connections: CONNECTIONS,
      durationSeconds: context.loadSeconds,
      headers: { 'MC-Api-Key': apiKey, 'Content-Type': 'application/json' },
      paths: ids.map((id) => `${base}/services/${serviceCode}/${environment}/networks/${id}`),
    });
    const gateway = await load({
      url: context.apiUrl,
      connections: CONNECTIONS,
      durationSeconds: context.loadSeconds,
      headers: { Authorization: `Bearer ${context.key}` },
      paths: ids.map((id) => `/v1/networks/${simulator.name}:${id}?fresh=true`),
    });
    return {
      kind: simulator.kind,
      injectedLatencyMs: LATENCY_MS,
      resources: ids.length,
      direct,
      gateway,
      overheadRatioP50: ratio(gateway.p50, direct.p50),
      overheadRatioP99: ratio(gateway.p99, direct.p99),
    };
  } finally {
    await simControl(simulator, 'DELETE', '/faults');
  }
}
