/**
 * Crash-safe creates (docs/design.md#crash-safe-creates): before a non-idempotent backend create, an adapter puts a gateway marker
 * in the resource where the backend keeps one (a metadata key or label when it has them, else a name
 * suffix), so that a step resumed after a crash (`ctx.resumed`) finds what it made instead of making it
 * twice. A marker never shows in the normalized `name`.
 */
/** The marker as a name suffix. */
export const MARKER_SUFFIX = /-gw([0-9a-z]{10})$/;

/** The marker of a task: short, lower case, safe in names, labels and metadata values. */
export function taskMarker(taskId: string): string {
  return `gw${taskId.slice(-10).toLowerCase()}`;
}

/** A name carrying the marker as a suffix, for backends whose resources have nowhere else to keep it. */
export function markedName(name: string, taskId: string): string {
  return `${name}-${taskMarker(taskId)}`;
}

/** The name as the caller gave it. */
export function unmarkedName(name: string): string {
  return name.replace(MARKER_SUFFIX, '');
}

/** Whether a backend name carries this task's marker. */
export function hasMarker(name: string | undefined, taskId: string): boolean {
  return !!name && name.endsWith(`-${taskMarker(taskId)}`);
}
