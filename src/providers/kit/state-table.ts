/**
 * Maps raw backend states to a normalized enum, case-insensitively. Unknown raw values map to the fallback
 * (always the enum's `unknown`) and are reported, never thrown.
 */
export function stateTable<S extends string>(
  table: Record<string, S>,
  fallback: S,
): (raw: string | null | undefined, onUnknown?: (raw: string) => void) => S {
  const normalized = new Map(Object.entries(table).map(([k, v]) => [k.toLowerCase(), v]));
  return (raw, onUnknown) => {
    if (raw === null || raw === undefined || raw === '') return fallback;
    const found = normalized.get(raw.toLowerCase());
    if (found !== undefined) return found;
    onUnknown?.(raw);
    return fallback;
  };
}
