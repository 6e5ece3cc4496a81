/**
 * Keeps repeated failures from flooding the log: the first occurrence of each kind is logged, then at most one
 * line per kind per window, carrying how many occurrences were left out since the last line. The number of kinds
 * remembered is bounded (the oldest is forgotten first), so kinds built from messages cannot grow it.
 */
export class LogOncePerKind {
  private readonly seen = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly windowMs = 60_000,
    private readonly maxKinds = 200,
  ) {}

  /** Calls `log` with the number of left-out occurrences when this kind may be logged now; says whether it did. */
  note(kind: string, log: (suppressed: number) => void, now = Date.now()): boolean {
    const entry = this.seen.get(kind);
    if (entry && now - entry.at < this.windowMs) {
      entry.suppressed++;
      return false;
    }
    this.seen.delete(kind);
    if (this.seen.size >= this.maxKinds) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(kind, { at: now, suppressed: 0 });
    log(entry?.suppressed ?? 0);
    return true;
  }

  /** Forgets a kind (it ended): its next occurrence is logged at once. */
  forget(kind: string): void {
    this.seen.delete(kind);
  }
}
