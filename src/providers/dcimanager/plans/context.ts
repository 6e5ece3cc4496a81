import type { Claims } from '../ports/claims';
import type { Backoff } from '../ports/polling';
import type { AdapterLogger } from '../ports/provider-adapter';
import type { DciClient } from './dcimanager-http.client';
import type { DciLookups } from './dcimanager-lookups';
import type { MapContext } from './dcimanager.mapper';

export type WipeMode = 'none' | 'simple' | 'full';

/** What the DCImanager resource services share. */
export interface DcimanagerContext {
  connection: string;
  client: DciClient;
  lookups: DciLookups;
  map: MapContext;
  backoff: Backoff;
  /** Items read from one list (the connection's `maxListItems`); the rest are left out. */
  maxListItems: number;
  logger: AdapterLogger;
  /** How `delete` wipes the disks before the server goes back to stock (`operation_clear_hdd`). */
  wipeOnDelete: WipeMode;
  /** Leases on chosen stock servers, shared by every gateway process, so two creates never pick the same one. */
  claims: Claims;
}

export const OPERATION_REF_KIND = 'dcimanager-operation';
export const TASK_REF_KIND = 'dcimanager-task';
