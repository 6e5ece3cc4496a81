import type { Backoff } from '../ports/polling';
import type { ListLimits } from '../ports/wire';
import type { ImcoClient } from './imco-http.client';
import type { ImcoReaders, PlanCache } from './imco-readers';
import type { MapContext } from './imco.mapper';

/** What the IMCO resource services share. */
export interface ImcoContext {
  client: ImcoClient;
  map: MapContext;
  backoff: Backoff;
  readers: ImcoReaders;
  /** How many items of one list answer are mapped (`maxListItems`). */
  limits: ListLimits;
  plans: PlanCache;
  /** Volume, VPC and floating-IP deletes only forget the resource in IMCO (`DELETE .../discard`). */
  discardOnDelete: boolean;
  /** `start` of a `stalled` server forces it to operational (`PUT .../override`) instead of refusing. */
  overrideStalled: boolean;
}
