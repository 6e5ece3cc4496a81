/**
 * Drops undefined, null and empty-string members (and empty arrays when asked), so `extra` carries only what
 * the backend said.
 */
export function compact(record: Record<string, unknown>, dropEmptyArrays = false): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in record) {
    const value = record[key];
    if (value === undefined || value === null || value === '') continue;
    if (dropEmptyArrays && Array.isArray(value) && value.length === 0) continue;
    out[key] = value;
  }
  return out;
}
