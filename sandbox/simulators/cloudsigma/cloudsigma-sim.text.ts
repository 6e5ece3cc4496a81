// The 1.0 wire format as the simulator reads and writes it (docs/providers/cloudsigma.md#wire-format), kept apart
// from the adapter's codec on purpose: the simulator is a second, independent reading of the facts.

/** One object: ordered `key → value` pairs; an empty value stands for a key sent without a value. */
export type SimFields = Map<string, string>;

/** A request body: `key value` lines (key up to the first blank, value the rest); CRLF and blank lines tolerated. */
export function parseRequest(text: string | undefined): SimFields {
  const fields: SimFields = new Map();
  for (const raw of (text ?? '').split(/\r?\n|\r/)) {
    const line = raw.trim();
    if (!line) continue;
    const blank = line.search(/[ \t]/);
    if (blank < 0) fields.set(line, '');
    else fields.set(line.slice(0, blank), line.slice(blank + 1).trim());
  }
  return fields;
}

const flat = (value: string) => value.replace(/\r\n|\r|\n/g, '\\n');

/** One object, one `key value` line each; a key without a value is written alone (as the manual's profile example). */
export function renderObject(fields: Iterable<[string, string | undefined]>): string {
  let text = '';
  for (const [key, value] of fields) {
    if (value === undefined) continue;
    text += value === '' ? `${key}\n` : `${key} ${flat(value)}\n`;
  }
  return text;
}

/** Several objects, separated by one blank line. */
export function renderObjects(objects: Array<Iterable<[string, string | undefined]>>): string {
  return objects.map(renderObject).join('\n');
}

/** A list: bare values (UUIDs), or `type value` lines when a type word is given (`ip 192.0.2.10`). */
export function renderList(values: string[], type?: string): string {
  return values.map((value) => (type ? `${type} ${value}\n` : `${value}\n`)).join('');
}

/** Sizes in bytes, or with the k/M/G/T suffix the manual allows for drive offsets (binary multiples). */
export function parseSize(value: string): number | undefined {
  const match = /^(\d+)([kKmMgGtT]?)$/.exec(value.trim());
  if (!match) return undefined;
  const power = { '': 0, k: 1, m: 2, g: 3, t: 4 }[match[2].toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Number(match[1]) * 1024 ** power;
}
