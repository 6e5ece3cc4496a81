import { type BenchContext, simControl } from '../lib/context';
import { load, ratio, type LoadResult } from '../lib/load';

export interface FanoutResult {
  latenciesMs: Record<string, number>;
  slowestMs: number;
  list: LoadResult;
  fanoutRatioP50: number | null;
}

const LATENCIES_MS = [10, 20, 50, 100];

/** `GET /v1/servers?fresh=true` across every backend, each slowed to its own latency; ÷ the slowest latency. */
export async function fanout(context: BenchContext): Promise<FanoutResult> {
  // With fewer than four backends, the slowest latencies are kept so the slowest is still 100 ms.
  const latencies = LATENCIES_MS.slice(LATENCIES_MS.length - context.simulators.length);
  const latenciesMs: Record<string, number> = {};
  await Promise.all(
    context.simulators.map((simulator, i) => {
      latenciesMs[simulator.name] = latencies[i];
      return simControl(simulator, 'POST', '/faults', { action: 'delay', delayMs: latencies[i] });
    }),
  );
  try {
    const list = await load({
      url: context.apiUrl,
      connections: 10,
      durationSeconds: context.loadSeconds,
      headers: { Authorization: `Bearer ${context.key}` },
      paths: ['/v1/servers?fresh=true'],
    });
    const slowestMs = Math.max(...latencies);
    return { latenciesMs, slowestMs, list, fanoutRatioP50: ratio(list.p50, slowestMs) };
  } finally {
    await Promise.all(context.simulators.map((simulator) => simControl(simulator, 'DELETE', '/faults')));
  }
}
