import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

// Fixed names in the system temp folder: two runs at once overwrite each other's files (and, in a shared /tmp,
// anyone may create the name first: CWE-377). Suites take a fresh mkdtemp folder per run instead.

const ROOT = join(__dirname, '..', '..');

const FIXED_TEMP_PATHS = [
  // A literal '/tmp' or '/tmp/...'.
  /['"`]\/tmp(?:\/|['"`])/,
  // join(tmpdir(), 'a fixed name'), unless the line hands it to mkdtemp as a prefix.
  /^(?!.*mkdtemp).*join\(\s*tmpdir\(\)\s*,\s*['"]/,
  // The temp folder itself as a data folder.
  /:\s*tmpdir\(\)\s*[,}]/,
];

function sources(dir: string, keep: (path: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      return entry.name === 'node_modules' || entry.name === 'generated' ? [] : sources(path, keep);
    return keep(path) ? [path] : [];
  });
}

function offenders(): Map<string, string[]> {
  const files = [
    ...sources(join(ROOT, 'test'), (path) => path.endsWith('.ts')),
    ...sources(join(ROOT, 'src'), (path) => path.endsWith('.spec.ts')),
  ].filter((path) => path !== __filename);
  const found = new Map<string, string[]>();
  for (const path of files) {
    const lines = readFileSync(path, 'utf8')
      .split('\n')
      .map((line, i) => ({ line: line.trim(), at: i + 1 }))
      .filter(({ line }) => !line.startsWith('//') && !line.startsWith('*'))
      .filter(({ line }) => FIXED_TEMP_PATHS.some((pattern) => pattern.test(line)));
    if (lines.length)
      found.set(
        relative(ROOT, path),
        lines.map(({ line, at }) => `${at}: ${line}`),
      );
  }
  return found;
}

describe('temporary files of the test suites', () => {
  it('should never use a fixed path in the system temp folder, so that two runs at once do not collide', () => {
    expect(Object.fromEntries(offenders())).toEqual({});
  });

  it('should find the fixed paths it looks for (the check itself works)', () => {
    for (const line of [
      "dataDir: '/tmp',",
      "const dir = join(tmpdir(), 'cloudmux-fuzz');",
      'dataDir: `/tmp/cloudmux-test-sim/${name}`,',
      'dataDir: tmpdir(),',
    ])
      expect({ line, found: FIXED_TEMP_PATHS.some((p) => p.test(line)) }).toEqual({ line, found: true });
    for (const line of [
      "const dir = mkdtempSync(join(tmpdir(), 'cloudmux-fuzz-'));",
      "dataDir: join(runDir, 'imco'),",
    ])
      expect({ line, found: FIXED_TEMP_PATHS.some((p) => p.test(line)) }).toEqual({ line, found: false });
  });
});
