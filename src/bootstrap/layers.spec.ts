import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The dependency rules of docs/design.md#dependency-rules, read from the import lines of every source file (specs
 * aside): each layer imports only itself and the layers below it; nothing in src/ loads the sandbox except
 * main.ts, and that only by a dynamic import in sandbox mode; a provider folder is imported only by the list of
 * kinds.
 */
const SRC = resolve(__dirname, '..');
const ROOT = resolve(SRC, '..');

/** Lowest first. Files directly under src/ (main.ts, app.module.ts, the generated metadata) sit with bootstrap. */
const LAYERS = [
  'domain',
  'config',
  'common',
  'cache',
  'providers',
  'tasks',
  'webhooks',
  'application',
  'resources',
  'health',
  'bootstrap',
];
const rank = (file: string): number => {
  const parts = relative(SRC, file).split('/');
  return parts.length === 1 ? LAYERS.indexOf('bootstrap') : LAYERS.indexOf(parts[0]);
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sources(path);
    return entry.endsWith('.ts') && !entry.endsWith('.spec.ts') && entry !== 'metadata.ts' ? [path] : [];
  });
}

const IMPORT = /^\s*(?:import|export)\s+(type\s)?[^;]*?from\s+'(\.{1,2}\/[^']+)'/gm;
const DYNAMIC = /import\(\s*'(\.{1,2}\/[^']+)'\s*\)/g;

interface Edge {
  from: string;
  to: string;
  dynamic: boolean;
  /** `import type`: erased from the build, loads nothing. */
  typeOnly: boolean;
}

const edges: Edge[] = sources(SRC).flatMap((file) => {
  const text = readFileSync(file, 'utf8');
  const target = (spec: string) => resolve(dirname(file), spec.replace(/\.js$/, ''));
  return [
    ...[...text.matchAll(IMPORT)].map((m) => ({
      from: file,
      to: target(m[2]),
      dynamic: false,
      typeOnly: !!m[1],
    })),
    ...[...text.matchAll(DYNAMIC)].map((m) => ({
      from: file,
      to: target(m[1]),
      dynamic: true,
      typeOnly: false,
    })),
  ];
});
const show = (edge: Edge) => `${relative(ROOT, edge.from)} -> ${relative(ROOT, edge.to)}`;
const inSrc = (path: string) => !relative(SRC, path).startsWith('..');

describe('source layers', () => {
  it('should find the import lines it checks', () => {
    expect(edges.length).toBeGreaterThan(500);
  });

  it('should import only the same layer or a lower one', () => {
    const upward = edges.filter((e) => inSrc(e.to) && rank(e.to) > rank(e.from)).map(show);
    expect(upward).toEqual([]);
  });

  it('should load the sandbox only from main.ts, dynamically', () => {
    const sandbox = resolve(ROOT, 'sandbox');
    const loads = edges.filter((e) => !e.typeOnly && !relative(sandbox, e.to).startsWith('..'));
    expect(loads.filter((e) => !e.dynamic || relative(SRC, e.from) !== 'main.ts').map(show)).toEqual([]);
    expect(loads.length).toBeGreaterThan(0);
  });

  it('should reach a provider folder only through the list of kinds', () => {
    const kinds = ['cloudmc', 'cloudsigma', 'dcimanager', 'imco'].map((kind) => join(SRC, 'providers', kind));
    const inKind = (path: string) => kinds.find((dir) => !relative(dir, path).startsWith('..'));
    const foreign = edges.filter(
      (e) =>
        inKind(e.to) &&
        inKind(e.to) !== inKind(e.from) &&
        relative(SRC, e.from) !== 'providers/registry/provider-kinds.ts',
    );
    expect(foreign.map(show)).toEqual([]);
  });
});
