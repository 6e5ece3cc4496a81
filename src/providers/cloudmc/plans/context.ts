import type { Backoff } from '../../kit/polling';
import type { AdapterLogger } from '../../ports/provider-adapter';
import type { CloudmcClient } from '../client/http.client';
import type { MapContext } from '../model/mapper';
import type { CloudmcPolls } from './reads';

/** What every CloudMC plan and reader receives from the adapter: data only, built once per connection. */
export interface CloudmcContext {
  client: CloudmcClient;
  map: MapContext;
  /** Polling of tasks and states, from the connection's poll interval up to its maximum. */
  backoff: Backoff;
  /**
   * The lists wait steps read, one list call per tick for every task in flight in every worker
   * (docs/providers/cloudmc.md#waiting).
   */
  polled: CloudmcPolls;
  /** Delete instances with `purgeImmediately` (no recoverable `Destroyed` left behind). */
  purgeOnDelete: boolean;
  /** Items mapped from one list answer (the connection's `maxListItems`); the rest are left out. */
  maxListItems: number;
  logger: AdapterLogger;
}
