import type { Backoff } from '../../kit/polling';
import type { ListLimits } from '../../kit/wire';
import type { ImcoClient } from '../client/http.client';
import type { MapContext } from '../model/mapper';
import type { LabelBook } from './labels';
import type { ServerPlanCache } from './reads';
import type { PolledCollections } from './wait.steps';

/** What every IMCO plan file receives from the adapter: one per connection, built once. */
export interface ImcoContext {
  client: ImcoClient;
  map: MapContext;
  /** Pauses between polls of a waiting step (the connection's poll interval, growing to its maximum). */
  backoff: Backoff;
  /** The collections wait steps poll, one list call per tick for every task in flight. */
  polled: PolledCollections;
  /** How many items of one list answer are mapped (`maxListItems`). */
  limits: ListLimits;
  /** The account's labels, to read resources' `label_ids` as gateway labels (docs/providers/imco.md#labels). */
  labels: LabelBook;
  /** Server plans by id: a server names only its plan, which holds its size and realm. */
  serverPlans: ServerPlanCache;
  /** Volume, VPC and floating-IP deletes only forget the resource in IMCO (`DELETE .../discard`). */
  discardOnDelete: boolean;
  /** `start` of a `stalled` server forces it to operational (`PUT .../override`) instead of refusing. */
  overrideStalled: boolean;
}
