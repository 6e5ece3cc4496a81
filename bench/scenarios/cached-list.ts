import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { type BenchContext, gatewayCall } from '../lib/context';
import { load, ratio, type LoadResult } from '../lib/load';
import { startNode } from '../lib/processes';

export interface CachedListResult {
  items: number;
  payloadBytes: number;
  gateway: LoadResult;
  bare: LoadResult;
  cachedListRps: number;
  bareRps: number;
  cachedListRatio: number | null;
}

/** Cached `GET /v1/servers` against a bare Fastify endpoint serving the same payload, same machine, same run. */
export async function cachedList(context: BenchContext): Promise<CachedListResult> {
  const warm = await gatewayCall<{ items: unknown[] }>(context, 'GET', '/v1/servers');
  const payloadFile = join(tmpdir(), `cloudmux-bench-payload-${process.pid}.json`);
  const payload = JSON.stringify(warm.body);
  writeFileSync(payloadFile, payload);
  const bareServer = await startNode(
    join(__dirname, '..', 'bare-server.js'),
    [payloadFile],
    {},
    /BARE READY (\d+)/,
  );
  try {
    const gateway = await load({
      url: context.apiUrl,
      connections: 50,
      durationSeconds: context.loadSeconds,
      headers: { Authorization: `Bearer ${context.key}` },
      paths: ['/v1/servers'],
    });
    const bare = await load({
      url: `http://127.0.0.1:${bareServer.match[1]}`,
      connections: 50,
      durationSeconds: context.loadSeconds,
      paths: ['/v1/servers'],
    });
    return {
      items: warm.body.items.length,
      payloadBytes: payload.length,
      gateway,
      bare,
      cachedListRps: gateway.rps,
      bareRps: bare.rps,
      cachedListRatio: ratio(gateway.rps, bare.rps),
    };
  } finally {
    await bareServer.stop();
  }
}
