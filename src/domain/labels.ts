/**
 * Labels: a small string map a caller puts on a server, volume, network or IP address to find it again
 * (docs/design.md#labels). The limits fit every backend that keeps labels itself and the gateway's own store.
 */
export type Labels = Record<string, string>;

/** The resource types that carry labels. */
export type LabeledType = 'server' | 'volume' | 'network' | 'ip';
export const LABELED_TYPES: readonly LabeledType[] = ['server', 'volume', 'network', 'ip'];

export const MAX_LABELS = 32;
export const MAX_LABEL_KEY_LENGTH = 63;
export const MAX_LABEL_VALUE_LENGTH = 128;
/** Lower-case letters, digits, `.`, `_`, `-`; starts and ends with a letter or digit. */
export const LABEL_KEY_PATTERN = /^[a-z0-9](?:[a-z0-9._-]{0,61}[a-z0-9])?$/;
/** Letters, digits and `._:/@+-`, possibly empty (a key that is only present). */
export const LABEL_VALUE_PATTERN = /^[A-Za-z0-9._:/@+-]{0,128}$/;
/**
 * Keys the gateway keeps for itself: its task markers (`gw` and ten characters), the names of its own markers
 * where a backend keeps them among the caller's metadata (`gwtask`, `gwimage`) and the `cloudmux.` prefix. A caller
 * may neither set nor see them, on any backend alike.
 */
const RESERVED_KEY = /^(?:gw(?:[0-9a-z]{10}|task|image)|cloudmux\..*)$/;

export const isReservedLabelKey = (key: string): boolean => RESERVED_KEY.test(key);

/** Why a label set breaks the rules, or null when it keeps them. `null` values (removals) pass when allowed. */
export function labelProblem(labels: Record<string, unknown>, allowNull = false): string | null {
  const entries = Object.entries(labels);
  if (entries.length > MAX_LABELS) return `at most ${MAX_LABELS} labels`;
  for (const [key, value] of entries) {
    if (!LABEL_KEY_PATTERN.test(key))
      return `label key '${key.slice(0, 70)}' must be 1 to ${MAX_LABEL_KEY_LENGTH} lower-case letters, digits, '.', '_' or '-', starting and ending with a letter or digit`;
    if (isReservedLabelKey(key)) return `label key '${key}' is reserved for the gateway`;
    if (value === null && allowNull) continue;
    if (typeof value !== 'string' || !LABEL_VALUE_PATTERN.test(value))
      return `label '${key}' must have a value of at most ${MAX_LABEL_VALUE_LENGTH} letters, digits or '._:/@+-'`;
  }
  return null;
}

/** Labels without the gateway's reserved keys: what a backend's store shows a caller. */
export function visibleLabels(labels: Labels): Labels {
  const out: Labels = {};
  for (const key in labels) if (!isReservedLabelKey(key)) out[key] = labels[key];
  return out;
}

/** `current` changed by `patch`: a string sets a key, null removes it. */
export function mergeLabels(current: Labels, patch: Record<string, string | null>): Labels {
  const next: Labels = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}

/** Most `label` filters one list takes. */
export const MAX_LABEL_SELECTORS = 16;

/** One `label` filter of a list (docs/design.md#labels): `key=value` (equal) or `key` (present). */
export interface LabelSelector {
  key: string;
  /** The value the label must have; absent: the key must only be present. */
  value?: string;
}

/** A `label` filter as a list takes it, or why it is not one. */
export function parseLabelSelector(text: string): LabelSelector | string {
  const separator = text.indexOf('=');
  const key = separator < 0 ? text : text.slice(0, separator);
  if (!LABEL_KEY_PATTERN.test(key))
    return `label filter '${text.slice(0, 70)}' must be key=value or key, the key 1 to ${MAX_LABEL_KEY_LENGTH} lower-case letters, digits, '.', '_' or '-'`;
  if (isReservedLabelKey(key)) return `label key '${key}' is reserved for the gateway`;
  if (separator < 0) return { key };
  const value = text.slice(separator + 1);
  if (!LABEL_VALUE_PATTERN.test(value))
    return `label filter '${key}' must compare with a value of at most ${MAX_LABEL_VALUE_LENGTH} letters, digits or '._:/@+-'`;
  return { key, value };
}

/** Whether the labels pass every selector (all of them: the filters of one list are combined with AND). */
export function matchesLabels(labels: Labels | undefined, selectors: readonly LabelSelector[]): boolean {
  if (selectors.length === 0) return true;
  if (!labels) return false;
  return selectors.every(
    ({ key, value }) =>
      Object.prototype.hasOwnProperty.call(labels, key) && (value === undefined || labels[key] === value),
  );
}
