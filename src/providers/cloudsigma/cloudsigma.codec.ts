/**
 * The CloudSigma 1.0 text format (reference §2, §8.1-8.2): `key value` lines, objects separated by blank
 * lines, lists of bare values or of `type value` lines, and `errors:<field> <message>` lines.
 *
 * Parsing is tolerant: CRLF or CR line ends, any number of blank lines, a missing final newline, a key
 * without a value (null), a value running to the end of the line (spaces included), UTF-8. Keys are opaque
 * and kept flat (`nic:0:dhcp`, never nested). Values are kept as sent: a newline inside a value travels as a
 * literal backslash-n, which `decodeText` turns back for display only.
 */

/** One object: key → value, null for a key that came without a value. No prototype, so any key is safe. */
export type KvObject = Record<string, string | null>;

/** One line of a list: `type` is the leading word of `type value` lines (`ip`, `vlan`), null for bare values. */
export interface ListEntry {
  type: string | null;
  value: string;
}

export interface KvFieldError {
  field: string;
  message: string;
}

type Plain = string | number | boolean | null | undefined;

const LINE_END = /\r\n|\n|\r/;
const SEPARATOR = /[ \t]/;

function emptyObject(): KvObject {
  return Object.create(null) as KvObject;
}

function parseLine(line: string, into: KvObject): void {
  const at = line.search(SEPARATOR);
  if (at < 0) {
    into[line] = null;
    return;
  }
  const value = line.slice(at + 1).trim();
  into[line.slice(0, at)] = value === '' ? null : value;
}

/** Every object of a body, in order. A body without any key gives an empty list. */
export function parseObjects(text: string): KvObject[] {
  const objects: KvObject[] = [];
  let current: KvObject | null = null;
  for (const raw of text.split(LINE_END)) {
    const line = raw.trim();
    if (line === '') {
      current = null;
      continue;
    }
    if (!current) {
      current = emptyObject();
      objects.push(current);
    }
    parseLine(line, current);
  }
  return objects;
}

/** The object of a single-object body (the first one if the backend sent more); empty when there is none. */
export function parseObject(text: string): KvObject {
  return parseObjects(text)[0] ?? emptyObject();
}

/** A list body: bare values (`/servers/list`) or `type value` lines (`/resources/ip/list`). */
export function parseList(text: string): ListEntry[] {
  const entries: ListEntry[] = [];
  for (const raw of text.split(LINE_END)) {
    const fields = raw.trim().split(/\s+/).filter(Boolean);
    if (fields.length === 0) continue;
    // jclouds reads the last field, which copes with both shapes.
    entries.push({ type: fields.length > 1 ? fields[0] : null, value: fields[fields.length - 1] });
  }
  return entries;
}

/** A newline inside a value is sent as a literal backslash-n (reference §8.2). */
export function encodeValue(value: string): string {
  return value.replace(/\r\n|\r|\n/g, '\\n');
}

/** The display form of a value: escaped newlines turned back into newlines. */
export function decodeText(value: string | null | undefined): string | null {
  return value === null || value === undefined ? null : value.replace(/\\n/g, '\n');
}

function checkKey(key: string): void {
  if (key === '' || /\s/.test(key))
    throw new Error(`A CloudSigma key cannot be empty or hold blanks: '${key}'`);
}

/**
 * One object as a request body: one `key value\n` line per key. An empty or null value is sent as the key
 * and a blank (`block:0 `), which clears the setting; undefined members are left out.
 */
export function serializeObject(object: Record<string, Plain>): string {
  let text = '';
  for (const [key, value] of Object.entries(object)) {
    if (value === undefined) continue;
    checkKey(key);
    const written = value === null ? '' : encodeValue(String(value));
    text += `${key} ${written}\n`;
  }
  return text;
}

/** Several objects, one blank line between them. Objects without members are left out. */
export function serializeObjects(objects: Array<Record<string, Plain>>): string {
  return objects
    .map(serializeObject)
    .filter((text) => text !== '')
    .join('\n');
}

/** A list body: bare values, or `type value` lines. */
export function serializeList(entries: ListEntry[]): string {
  return entries
    .map((entry) => (entry.type ? `${entry.type} ${entry.value}\n` : `${entry.value}\n`))
    .join('');
}

/** The space-separated list inside a value (`claimed`, `boot`, `nameserver`, `tags`...). */
export function splitValues(value: string | null | undefined): string[] {
  return (value ?? '').split(/\s+/).filter(Boolean);
}

/** The `errors:<field> <message>` lines of every object of a body (reference §2; manual §5). */
export function errorsOf(objects: KvObject[]): KvFieldError[] {
  const errors: KvFieldError[] = [];
  for (const object of objects) {
    for (const [key, value] of Object.entries(object)) {
      if (key.startsWith('errors:'))
        errors.push({ field: key.slice('errors:'.length), message: value ?? '' });
    }
  }
  return errors;
}
