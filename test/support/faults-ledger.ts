import type { SimulatorHandle } from '../../sandbox/simulators/common/simulator';
import { sim } from './gateway';

/** A rule for a simulator's `/__sim/faults` (see sandbox/simulators/common/fault-injector.ts). */
export interface FaultRuleInput {
  action: 'delay' | 'error' | 'rate-limit' | 'reset' | 'timeout' | 'malformed';
  method?: string;
  path?: string;
  status?: number;
  delayMs?: number;
  retryAfter?: number;
  count?: number;
  probability?: number;
}

interface StoredRule extends FaultRuleInput {
  id: string;
  hits: number;
}

/** `error 500`, `rate-limit`, `delay POST`...: how the figures name a rule. */
export function faultLabel(rule: FaultRuleInput): string {
  const action = rule.action === 'error' ? `error ${rule.status}` : rule.action;
  return rule.method ? `${action} ${rule.method}` : action;
}

/**
 * Injects faults into simulators and keeps what they did: when a backend's faults are cleared, the hits of
 * each rule (requests it really affected, counted by the simulator) are added to the figures.
 */
export class FaultLedger {
  /** Hits by backend kind, then by fault label. */
  readonly hits: Record<string, Record<string, number>> = {};

  constructor(
    private readonly handles: Map<string, SimulatorHandle>,
    private readonly kindOf: (connection: string) => string,
  ) {}

  async inject(connection: string, ...rules: FaultRuleInput[]): Promise<string[]> {
    const ids: string[] = [];
    for (const rule of rules)
      ids.push(((await sim(this.handle(connection), 'POST', '/faults', rule)) as StoredRule).id);
    return ids;
  }

  /** Hits so far of one rule (a rule with `count` stays listed after it retires). */
  async hitsOf(connection: string, id: string): Promise<number> {
    return (await this.rules(connection)).find((rule) => rule.id === id)?.hits ?? 0;
  }

  async clear(connection: string): Promise<void> {
    const kind = this.kindOf(connection);
    for (const rule of await this.rules(connection)) {
      if (rule.hits === 0) continue;
      const byLabel = (this.hits[kind] ??= {});
      byLabel[faultLabel(rule)] = (byLabel[faultLabel(rule)] ?? 0) + rule.hits;
    }
    await sim(this.handle(connection), 'DELETE', '/faults');
  }

  async clearAll(): Promise<void> {
    await Promise.all([...this.handles.keys()].map((connection) => this.clear(connection)));
  }

  /** Requests the simulator received (faulted or not), per `METHOD route`; `/__sim` calls are not counted. */
  async stats(connection: string): Promise<Record<string, number>> {
    return ((await sim(this.handle(connection), 'GET', '/stats')) as { requests: Record<string, number> })
      .requests;
  }

  /** All API requests the simulator received, optionally only routes matching `route`. */
  async requestCount(connection: string, route?: RegExp): Promise<number> {
    return Object.entries(await this.stats(connection))
      .filter(([key]) => !route || route.test(key))
      .reduce((sum, [, count]) => sum + count, 0);
  }

  private async rules(connection: string): Promise<StoredRule[]> {
    return ((await sim(this.handle(connection), 'GET', '/faults')) as { faults: StoredRule[] }).faults;
  }

  private handle(connection: string): SimulatorHandle {
    const handle = this.handles.get(connection);
    if (!handle) throw new Error(`no simulator for ${connection}`);
    return handle;
  }
}
