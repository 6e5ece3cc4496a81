import {
  isReservedLabelKey,
  LABEL_KEY_PATTERN,
  LABEL_VALUE_PATTERN,
  type Labels,
} from '../../../domain/labels';
import type { ImLabel } from '../client/wire.types';

// Gateway labels as IMCO labels (docs/providers/imco.md#labels). An IMCO label is only a name, and IMCO's CLI
// accepts names of letters, digits, spaces, `.`, `_` and `-`; a gateway label is a key and a value. One label
// `key=value` is the IMCO label named
//
//   `<key>`                   when the value is empty,
//   `<key> <escaped value>`   else: one space, then the value with `_` → `__`, `:` → `_c`, `/` → `_s`,
//                             `@` → `_a`, `+` → `_p` (the value characters the CLI would refuse).
//
// Keys never hold a space or an upper-case letter, so the first space ends the key. A name is read back only when
// it is exactly what the encoding writes (its canonical form): any other label of the account (`Web Servers`, a
// namespaced label of IMCO's own, a gateway marker `gw...`) is not a gateway label; it is never shown and never
// removed.

/** What IMCO's CLI accepts as a label name (docs/providers/imco.md#labels); every encoded label fits it. */
export const IMCO_LABEL_NAME = /^[A-Za-z0-9 ._-]+$/;

const ESCAPE: Record<string, string> = { _: '__', ':': '_c', '/': '_s', '@': '_a', '+': '_p' };
const UNESCAPE: Record<string, string> = { _: '_', c: ':', s: '/', a: '@', p: '+' };
const PLAIN = /[A-Za-z0-9.-]/;

/** The IMCO label name of one gateway label (key and value as `labelProblem` admits them). */
export function encodeLabel(key: string, value: string): string {
  if (value === '') return key;
  return `${key} ${value.replace(/[_:/@+]/g, (c) => ESCAPE[c])}`;
}

/** The gateway label an IMCO label name encodes, or null when the name is not an encoded label. */
export function decodeLabel(name: string): [key: string, value: string] | null {
  const space = name.indexOf(' ');
  const key = space < 0 ? name : name.slice(0, space);
  if (!LABEL_KEY_PATTERN.test(key)) return null;
  if (space < 0) return [key, ''];
  const encoded = name.slice(space + 1);
  if (encoded === '') return null;
  let value = '';
  for (let i = 0; i < encoded.length; i++) {
    const c = encoded[i];
    if (PLAIN.test(c)) value += c;
    else if (c === '_' && UNESCAPE[encoded[i + 1]] !== undefined) value += UNESCAPE[encoded[++i]];
    else return null;
  }
  return LABEL_VALUE_PATTERN.test(value) ? [key, value] : null;
}

/**
 * The gateway label an IMCO label carries, or null for a label the gateway neither shows nor changes: IMCO's own
 * (namespaced), a name the encoding does not write, and the gateway's reserved keys (its task markers).
 */
export function gatewayLabel(label: ImLabel | undefined): [key: string, value: string] | null {
  if (!label || label.namespace || typeof label.name !== 'string') return null;
  const decoded = decodeLabel(label.name);
  return decoded && !isReservedLabelKey(decoded[0]) ? decoded : null;
}

/** The account's labels by id (`GET /labels`). */
export type LabelIndex = ReadonlyMap<string, ImLabel>;

/**
 * The gateway labels a resource carries (`label_ids`). Two IMCO labels of one key (`env prod` and `env dev` put
 * on in IMCO) show as the one whose name sorts first; a relabel removes the other.
 */
export function labelsOf(labelIds: readonly string[] | null | undefined, index: LabelIndex): Labels {
  const carried = (labelIds ?? [])
    .map((id) => index.get(id))
    .filter((label): label is ImLabel => !!label)
    .sort((a, b) => ((a.name ?? '') < (b.name ?? '') ? -1 : 1));
  const labels: Labels = {};
  for (const label of carried) {
    const decoded = gatewayLabel(label);
    if (decoded && !(decoded[0] in labels)) labels[decoded[0]] = decoded[1];
  }
  return labels;
}

/** What a relabel changes on one resource: the IMCO labels to take off, the names to put on. */
export interface LabelChanges {
  remove: ImLabel[];
  add: string[];
}

/**
 * The changes that make a resource carry exactly `wanted` as gateway labels. Only gateway labels are taken off:
 * markers, IMCO's own labels and names the encoding does not write stay, whatever `wanted` says.
 */
export function labelChanges(
  labelIds: readonly string[] | null | undefined,
  index: LabelIndex,
  wanted: Labels,
): LabelChanges {
  const names = new Set(
    Object.entries(wanted)
      .filter(([key]) => !isReservedLabelKey(key))
      .map(([key, value]) => encodeLabel(key, value)),
  );
  const carried = [...new Set(labelIds ?? [])].map((id) => index.get(id)).filter((l): l is ImLabel => !!l);
  const remove = carried.filter((label) => gatewayLabel(label) && !names.has(label.name!));
  const present = new Set(carried.filter((label) => gatewayLabel(label)).map((label) => label.name!));
  return { remove, add: [...names].filter((name) => !present.has(name)).sort() };
}
