// DCImanager 6 wire shapes (docs/providers/dcimanager.md §5.2, §8, §10), optional wherever a build may leave a field out.

export interface DciList<T> {
  list: T[];
  /** Total number of matches (not the page length). */
  size?: number;
}

/** The answer of every action: `{"id", "task"}`; which object `id` names depends on the call. */
export interface DciAck {
  id?: number | string;
  task?: number | string;
}

// The payloads the adapter reads are typed by their wire schemas (dcimanager.wire.ts), so that nothing is read
// that was not checked first.
export type {
  DciConfiguration,
  DciIp,
  DciIpnet,
  DciLocation,
  DciOperation,
  DciOsTemplate,
  DciServer,
  DciUser,
} from './dcimanager.wire';
