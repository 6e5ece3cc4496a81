import { KEYS, type TestConnection } from '../support/gateway';

/** The four sandbox backends, one connection each. */
export const CONNECTIONS: TestConnection[] = [
  { name: 'cm', kind: 'cloudmc' },
  { name: 'cs', kind: 'cloudsigma' },
  { name: 'dci', kind: 'dcimanager' },
  { name: 'imco', kind: 'imco' },
];

export const RESOURCE_PATHS = ['servers', 'volumes', 'networks', 'ips'] as const;
export type ResourcePath = (typeof RESOURCE_PATHS)[number];
/** What the running gateway says about its connections, read once before fuzzing. */
export interface Fixtures {
  connections: string[];
  /** `<connection> <operation>` pairs the capability documents declare unsupported (a 501 is right there). */
  unsupported: Set<string>;
  /** Ids of resources that exist, per resource path, so that generated ids can avoid them. */
  existing: Map<ResourcePath, string[]>;
  /** One running server per connection that has one: the target of the valid mutations. */
  running: string[];
}

async function getJson<T>(baseUrl: string, path: string): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, { headers: { Authorization: `Bearer ${KEYS.admin}` } });
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export async function readFixtures(baseUrl: string): Promise<Fixtures> {
  const unsupported = new Set<string>();
  for (const { name } of CONNECTIONS) {
    const detail = await getJson<{ operations: Array<{ operation: string; supported: boolean }> }>(
      baseUrl,
      `/v1/providers/${name}`,
    );
    for (const op of detail.operations) if (!op.supported) unsupported.add(`${name} ${op.operation}`);
  }
  const existing = new Map<ResourcePath, string[]>();
  const running = new Map<string, string>();
  for (const path of RESOURCE_PATHS) {
    const list = await getJson<{ items: Array<{ id: string; provider: string; state: string }> }>(
      baseUrl,
      `/v1/${path}?pageSize=500`,
    );
    existing.set(
      path,
      list.items.map((item) => item.id),
    );
    if (path === 'servers')
      for (const item of list.items) if (item.state === 'running') running.set(item.provider, item.id);
  }
  return {
    connections: CONNECTIONS.map((c) => c.name),
    unsupported,
    existing,
    running: [...running.values()],
  };
}

/**
 * Whether a 501 answer is the declared one: the problem names a connection and an operation that its
 * capability document lists as unsupported (a read of a type is unsupported when its create is).
 */
export function declared501(
  fixtures: Fixtures,
  problem: { provider?: unknown; operation?: unknown },
): boolean {
  const { provider, operation } = problem;
  if (typeof provider !== 'string' || typeof operation !== 'string') return false;
  const asCreate = operation.replace(/\.read$/, '.create').replace(/^ip\.create$/, 'ip.allocate');
  return (
    fixtures.unsupported.has(`${provider} ${operation}`) ||
    fixtures.unsupported.has(`${provider} ${asCreate}`)
  );
}
