/**
 * Looks for known secrets in text the gateway let out (answers, Redis, logs, metrics, events), in the forms a
 * secret takes on its way: raw, JSON-escaped, URL-encoded and base64 (standard and URL alphabets, at every
 * byte alignment, so a secret inside a longer encoded value such as a Basic header is found too).
 */

export interface Finding {
  /** Label of the secret, never its value. */
  secret: string;
  form: string;
  source: string;
  where: string;
}

interface Needle {
  secret: string;
  form: string;
  text: string;
}

export interface SourceTally {
  source: string;
  items: number;
  bytes: number;
}

/** Shortest needle searched: shorter ones would match by chance. */
const MIN_NEEDLE = 8;

/** The part of base64(secret), shifted by `offset` bytes, that depends on the secret's bytes alone. */
function base64Core(value: Buffer, offset: number, alphabet: 'base64' | 'base64url'): string {
  const shifted = Buffer.concat([Buffer.alloc(offset), value]);
  const encoded = shifted.toString(alphabet).replace(/=+$/, '');
  const skip = [0, 2, 3][offset];
  const whole = Math.floor(shifted.length / 3) * 4;
  return encoded.slice(skip, whole);
}

/** The encodings a secret is searched in. */
export function secretForms(value: string): Array<{ form: string; text: string }> {
  const forms = new Map<string, string>();
  const put = (form: string, text: string) => {
    if (text.length >= MIN_NEEDLE && ![...forms.values()].includes(text)) forms.set(form, text);
  };
  put('raw', value);
  put('json', JSON.stringify(value).slice(1, -1));
  put('url', encodeURIComponent(value));
  put('form', new URLSearchParams({ v: value }).toString().slice(2));
  const bytes = Buffer.from(value, 'utf8');
  for (const alphabet of ['base64', 'base64url'] as const)
    for (const offset of [0, 1, 2]) put(`${alphabet}@${offset}`, base64Core(bytes, offset, alphabet));
  return [...forms.entries()].map(([form, text]) => ({ form, text }));
}

export class SecretScanner {
  private readonly needles: Needle[] = [];
  private readonly labels = new Set<string>();
  private readonly controls = new Set<string>();
  private readonly tally = new Map<string, SourceTally>();
  readonly findings: Finding[] = [];

  /** A secret to look for; values too short to search reliably are refused rather than skipped. */
  add(label: string, value: string): void {
    if (value.length < MIN_NEEDLE) throw new Error(`secret ${label} is too short to scan for`);
    if (this.labels.has(label)) throw new Error(`secret ${label} added twice`);
    this.labels.add(label);
    for (const { form, text } of secretForms(value)) this.needles.push({ secret: label, form, text });
  }

  /** A harmless value planted on purpose: finding it proves a source is really scanned. Not a leak. */
  addControl(label: string, value: string): void {
    this.add(label, value);
    this.controls.add(label);
  }

  /** Findings of real secrets (controls left out). */
  leaks(): Finding[] {
    return this.findings.filter((f) => !this.controls.has(f.secret));
  }

  /** The sources a control was found in. */
  controlSources(label: string): string[] {
    return [...new Set(this.findings.filter((f) => f.secret === label).map((f) => f.source))].sort();
  }

  /** A PEM document: each line of its base64 body is a needle, so a partial copy is found too. */
  addPem(label: string, pem: string): void {
    const lines = pem
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length >= 32 && !line.startsWith('-----'));
    if (lines.length === 0) throw new Error(`${label} has no PEM body`);
    lines.forEach((line, i) => this.add(`${label}#${i + 1}`, line));
  }

  /** Every distinct secret (PEM lines grouped under their document). */
  secretLabels(): string[] {
    return [...new Set([...this.labels].map((label) => label.replace(/#\d+$/, '')))];
  }

  needleCount(): number {
    return this.needles.length;
  }

  /**
   * Scans one item of a source (an answer, a Redis value, a log line). `allow` may exempt a secret where it
   * is expected (e.g. an event token in the answer that issued it).
   */
  scan(source: string, where: string, content: string | Buffer, allow?: (secret: string) => boolean): void {
    const text = typeof content === 'string' ? content : content.toString('utf8');
    const tally = this.tally.get(source) ?? { source, items: 0, bytes: 0 };
    tally.items++;
    tally.bytes += Buffer.byteLength(text);
    this.tally.set(source, tally);
    for (const needle of this.needles) {
      if (!text.includes(needle.text) || allow?.(needle.secret)) continue;
      this.findings.push({ secret: needle.secret, form: needle.form, source, where: where.slice(0, 200) });
    }
  }

  tallies(): SourceTally[] {
    return [...this.tally.values()];
  }

  /** A plain-text table: what was scanned, and what was found (labels only, never values). */
  report(title: string): string {
    const rows = this.tallies().map(
      (t) => `  ${t.source.padEnd(24)} ${String(t.items).padStart(8)} ${String(t.bytes).padStart(12)}`,
    );
    const leaks = this.leaks();
    const findings = leaks.map((f) => `  LEAK ${f.secret} (${f.form}) in ${f.source}: ${f.where}`);
    const controls = [...this.controls].map(
      (c) => `  control ${c} found in: ${this.controlSources(c).join(', ') || 'nothing'}`,
    );
    return [
      `${title}: ${this.secretLabels().length} secrets, ${this.needles.length} needles`,
      `  ${'source'.padEnd(24)} ${'items'.padStart(8)} ${'bytes'.padStart(12)}`,
      ...rows,
      ...controls,
      `  leaks found: ${leaks.length}`,
      ...findings,
    ].join('\n');
  }
}
