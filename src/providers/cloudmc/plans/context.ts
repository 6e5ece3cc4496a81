import type { Backoff } from '../ports/polling';
import type { AdapterLogger } from '../ports/provider-adapter';
import type { CloudmcClient } from './cloudmc-http.client';
import type { MapContext } from './cloudmc.mapper';

/** What the CloudMC resource services share. */
export interface CloudmcContext {
  client: CloudmcClient;
  map: MapContext;
  backoff: Backoff;
  /** Delete instances with `purgeImmediately` (no recoverable `Destroyed` left behind). */
  purgeOnDelete: boolean;
  /** Items mapped from one list answer (the connection's `maxListItems`); the rest are left out. */
  maxListItems: number;
  logger: AdapterLogger;
}

export const TASK_REF_KIND = 'cloudmc-task';
