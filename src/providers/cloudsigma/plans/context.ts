import type { Claims } from '../../ports/claims';
import type { Backoff } from '../../kit/polling';
import type { ListLimits } from '../../kit/wire';
import type { CloudsigmaClient } from '../client/http.client';
import type { MapContext } from '../model/mapper';
import type { PolledReader } from './reads';

/** What every CloudSigma plan file receives: built once per connection by the adapter. */
export interface CloudsigmaContext {
  client: CloudsigmaClient;
  map: MapContext;
  backoff: Backoff;
  /**
   * Polls of servers and drives in flight, answered by one `/servers/info` or `/drives/info` per tick; an object
   * that fails its checks is `Unreadable` there, never missing.
   */
  servers: PolledReader;
  drives: PolledReader;
  /** How many items of one list answer are mapped (`maxListItems`). */
  limits: ListLimits;
  /** How long a guest gets to power off after an ACPI shutdown the gateway sent itself, before a hard stop. */
  shutdownGraceMs: number;
  /** Delete a server's drives with it. */
  deleteDrives: boolean;
  /** Leases shared by every gateway process of the connection (one IP create at a time). */
  claims: Claims;
}
