import type { Backoff } from '../ports/polling';
import type { ImcoClient } from './imco-http.client';
import type { ImcoReaders, PlanCache } from './imco-readers';
import type { MapContext } from './imco.mapper';

/** What the IMCO resource services share. */
export interface ImcoContext {
  client: ImcoClient;
  map: MapContext;
  backoff: Backoff;
  readers: ImcoReaders;
  plans: PlanCache;
  /** Volume, VPC and floating-IP deletes only forget the resource in IMCO (`DELETE .../discard`). */
  discardOnDelete: boolean;
  /** `start` of a `stalled` server forces it to operational (`PUT .../override`) instead of refusing. */
  overrideStalled: boolean;
}
