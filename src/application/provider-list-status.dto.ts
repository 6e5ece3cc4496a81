import { Problem } from '../common/errors/problem.dto';

export enum ProviderListState {
  Ok = 'ok',
  /** Fresh, but some items of the backend's answer could not be read and are left out (see `error`). */
  Partial = 'partial',
  Error = 'error',
  Stale = 'stale',
}

/** How one provider connection contributed to a list. */
export class ProviderListStatus {
  provider: string;
  /**
   * `ok`: fresh data; `partial`: fresh, but some items of the backend's answer were malformed (or over
   * `maxListItems`) and are left out; `stale`: the backend failed and cached data is shown; `error`: nothing
   * from it.
   */
  status: ProviderListState;
  /** Why the backend could not be read (`error`, `stale`), or what was left out (`partial`). */
  error?: Problem;
  /** For `partial`: how many items of the backend's answer were left out. */
  skipped?: number;
  /** When the shown data was read from the backend. */
  observedAt: string | null;
}
