import type { Backoff } from '../../kit/polling';
import type { Claims } from '../../ports/claims';
import type { AdapterLogger } from '../../ports/provider-adapter';
import type { DciClient } from '../client/http.client';
import type { MapContext } from '../model/mapper';
import type { DciReads } from './reads';

/** How server.delete wipes the disks before the server goes back to stock (`operation_clear_hdd`). */
export type WipeMode = 'none' | 'simple' | 'full';

/** What every DCImanager plan file receives from the adapter: one per connection. */
export interface DcimanagerContext {
  /** The connection's name (for errors that name it). */
  connection: string;
  client: DciClient;
  /** The reads shared by the plan files (owner, owned servers, IPmanager networks). */
  reads: DciReads;
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
