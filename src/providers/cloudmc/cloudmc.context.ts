import type { Backoff } from '../ports/polling';
import type { CloudmcClient } from './cloudmc-http.client';
import type { MapContext } from './cloudmc.mapper';

/** What the CloudMC resource services share. */
export interface CloudmcContext {
  client: CloudmcClient;
  map: MapContext;
  backoff: Backoff;
  /** Delete instances with `purgeImmediately` (no recoverable `Destroyed` left behind). */
  purgeOnDelete: boolean;
}

export const TASK_REF_KIND = 'cloudmc-task';
