/**
 * The CloudSigma 1.0 text format (docs/providers/cloudsigma.md#wire-format): `key value` lines, objects separated by blank
 * lines, lists of bare values or of `type value` lines, and `errors:<field> <message>` lines.
 *
 * Parsing is tolerant: CRLF or CR line ends, any number of blank lines, a missing final newline, a key
 * without a value (null), a value running to the end of the line (spaces included), UTF-8. Keys are opaque
 * and kept flat (`nic:0:dhcp`, never nested). Values are kept as sent: a newline inside a value travels as a
 * literal backslash-n, which `decodeText` turns back for display only.
 *
 * Parsing is bounded: an object over `MAX_KEYS_PER_OBJECT` keys is marked (`keysBeyondBound`) and its further
 * keys dropped, and large bodies are parsed without stalling the event loop (`parseObjectsAsync`).
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

/**
 * Keys one object may have (the largest recorded object has about forty). An object with more is malformed:
 * its further lines are counted, not kept, and the wire checks refuse it (a million `user:` keys once
 * stalled the process for 15 s: docs/providers/cloudsigma.md#what-the-adapter-checks).
 */
export const MAX_KEYS_PER_OBJECT = 2_000;
/** Bodies from this size on are parsed by `parseObjectsAsync` in slices, yielding to the event loop between two. */
export const ASYNC_FROM_CHARS = 256 * 1024;
/** Lines parsed between two yields: a few milliseconds of work at most. */
const YIELD_EVERY_LINES = 2_000;

export interface ParseOptions {
  /** Keys an object may have (`MAX_KEYS_PER_OBJECT` when absent). */
  maxKeys?: number;
  /** The id key of the objects: still read beyond the bound, so that a refused object can be named. */
  idKey?: string;
}

/** Objects that had more keys than the bound, with how many they had. */
const overBound = new WeakMap<object, number>();

/** How many key lines an object had when it had more than the bound; undefined for any other value. */
export function keysBeyondBound(value: unknown): number | undefined {
  return value !== null && typeof value === 'object' ? overBound.get(value) : undefined;
}

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

/** Builds the objects of a body line by line; an object over the key bound keeps its first keys and its id. */
class ObjectsReader {
  readonly objects: KvObject[] = [];
  private current: KvObject | null = null;
  private keys = 0;
  private readonly maxKeys: number;
  private readonly idPrefixes: string[];

  constructor(options: ParseOptions) {
    this.maxKeys = options.maxKeys ?? MAX_KEYS_PER_OBJECT;
    this.idPrefixes = options.idKey ? [`${options.idKey} `, `${options.idKey}\t`] : [];
  }

  line(raw: string): void {
    const line = raw.trim();
    if (line === '') {
      this.current = null;
      return;
    }
    if (!this.current) {
      this.current = emptyObject();
      this.objects.push(this.current);
      this.keys = 0;
    }
    if (++this.keys <= this.maxKeys) {
      parseLine(line, this.current);
      return;
    }
    overBound.set(this.current, this.keys);
    if (this.idPrefixes.some((prefix) => line.startsWith(prefix))) parseLine(line, this.current);
  }
}

/** The lines of a text (CRLF, LF or CR ends), without splitting it all at once. */
function* linesOf(text: string): Generator<string> {
  const end = new RegExp(LINE_END.source, 'g');
  let start = 0;
  for (let match = end.exec(text); match; match = end.exec(text)) {
    yield text.slice(start, match.index);
    start = end.lastIndex;
  }
  yield text.slice(start);
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Every object of a body, in order. A body without any key gives an empty list. For small bodies and tests. */
export function parseObjects(text: string, options: ParseOptions = {}): KvObject[] {
  const reader = new ObjectsReader(options);
  for (const line of linesOf(text)) reader.line(line);
  return reader.objects;
}

/**
 * `parseObjects` for bodies of any size: from `ASYNC_FROM_CHARS` on, it yields to the event loop every few
 * thousand lines, so that a large answer never holds the process for more than a few milliseconds.
 */
export async function parseObjectsAsync(text: string, options: ParseOptions = {}): Promise<KvObject[]> {
  if (text.length < ASYNC_FROM_CHARS) return parseObjects(text, options);
  const reader = new ObjectsReader(options);
  let lines = 0;
  for (const line of linesOf(text)) {
    reader.line(line);
    if (++lines % YIELD_EVERY_LINES === 0) await yieldToEventLoop();
  }
  return reader.objects;
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

/** A newline inside a value is sent as a literal backslash-n (docs/providers/cloudsigma.md#wire-format). */
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

/** The `errors:<field> <message>` lines of every object of a body (docs/providers/cloudsigma.md#errors). */
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
