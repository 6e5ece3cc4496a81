/** An item of a backend list that was left out, and why. */
export interface SkippedItem {
  /** The backend's id of the item, when it had a usable one. */
  nativeId: string | null;
  reason: string;
}

/** A list answer: the items that passed the checks, and those left out. */
export interface Listed<R> {
  items: R[];
  skipped: SkippedItem[];
}
