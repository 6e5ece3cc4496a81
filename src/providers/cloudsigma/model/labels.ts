import { ValidationError } from '../../../common/errors/gateway-error';
import {
  isReservedLabelKey,
  LABEL_KEY_PATTERN,
  LABEL_VALUE_PATTERN,
  type Labels,
} from '../../../domain/labels';
import type { KvObject } from '../client/codec';

// Labels of servers and drives as CloudSigma 1.0 keeps them: one free `user:<key> <value>` metadata line per label
// (docs/providers/cloudsigma.md#labels). VLANs and static IPs have no metadata: the gateway keeps their labels.

/** The metadata prefix of 1.0 objects: `user:<k>` keys are free key-value metadata. */
export const USER_PREFIX = 'user:';
/** The create marker of the gateway (docs/providers/cloudsigma.md#crash-safe-creates). */
export const MARKER_KEY = 'user:gwtask';
/** The image a server was made from (shown as `imageId`). */
export const IMAGE_KEY = 'user:gwimage';
/** The gateway's own metadata keys: never a label, never changed by a relabel. */
export const GATEWAY_KEYS: ReadonlySet<string> = new Set([MARKER_KEY, IMAGE_KEY]);

/**
 * How a label with an empty value (a key that is only present) is written. 1.0 clears a setting sent with an empty
 * value, so an empty value cannot be stored as such; `""` cannot be a label value (`"` is not a label character),
 * so it reads back unambiguously. Our encoding (docs/providers/cloudsigma.md#labels).
 */
export const EMPTY_LABEL_VALUE = '""';

const labelKeyOf = (metaKey: string): string | null => {
  if (!metaKey.startsWith(USER_PREFIX) || GATEWAY_KEYS.has(metaKey)) return null;
  const key = metaKey.slice(USER_PREFIX.length);
  return LABEL_KEY_PATTERN.test(key) && !isReservedLabelKey(key) ? key : null;
};

const labelValueOf = (value: string | null): string | null => {
  if (value === null || value === EMPTY_LABEL_VALUE) return '';
  return value !== '' && LABEL_VALUE_PATTERN.test(value) ? value : null;
};

/**
 * The labels an object carries: its `user:<k>` lines whose key and value are a label's (a key with no value, or
 * `""`, is a label with an empty value). Other `user:` lines (keys with capitals or blanks, values with spaces) and
 * the gateway's own keys are metadata, not labels: a relabel never touches them.
 */
export function labelsOf(raw: KvObject): Labels {
  const labels: Labels = {};
  for (const [metaKey, value] of Object.entries(raw)) {
    const key = labelKeyOf(metaKey);
    if (key === null) continue;
    const decoded = labelValueOf(value);
    if (decoded !== null) labels[key] = decoded;
  }
  return labels;
}

const encode = (value: string) => (value === '' ? EMPTY_LABEL_VALUE : value);

/** The `user:<k>` lines of a create for these labels. */
export function labelFields(labels: Labels): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) fields[`${USER_PREFIX}${key}`] = encode(value);
  return fields;
}

/**
 * The `set` body that makes `raw` carry exactly `labels`: changed or new labels as `user:<k> <v>`, labels no longer
 * wanted as `user:<k>` with an empty value (1.0 clears a key sent empty: docs/providers/cloudsigma.md#wire-format).
 * Only label lines are removed; the gateway's keys and other metadata stay. Empty when nothing changes.
 */
export function relabelFields(raw: KvObject, labels: Labels): Record<string, string | null> {
  const current = labelsOf(raw);
  const body: Record<string, string | null> = {};
  for (const key of Object.keys(current)) if (!(key in labels)) body[`${USER_PREFIX}${key}`] = null;
  for (const [key, value] of Object.entries(labels)) {
    if (current[key] === value && raw[`${USER_PREFIX}${key}`] !== null) continue;
    body[`${USER_PREFIX}${key}`] = encode(value);
  }
  return body;
}

/** Whether two label sets are the same. */
export function sameLabels(a: Labels, b: Labels): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => key in b && a[key] === b[key]);
}

/**
 * Refuses labels whose key is one of the gateway's own metadata keys (`gwtask`, `gwimage`): as `user:` lines they
 * would overwrite the crash-safety marker or the image of a server (docs/providers/cloudsigma.md#labels).
 */
export function checkLabels(labels: Labels): void {
  const taken = Object.keys(labels).filter((key) => GATEWAY_KEYS.has(`${USER_PREFIX}${key}`));
  if (taken.length)
    throw new ValidationError('CloudSigma keeps these label keys for the gateway itself.', [
      {
        field: 'labels',
        message: `label key${taken.length > 1 ? 's' : ''} ${taken.map((k) => `'${k}'`).join(', ')} cannot be used on CloudSigma (the gateway's own metadata)`,
      },
    ]);
}
