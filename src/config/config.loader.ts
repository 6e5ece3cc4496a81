import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Kind, TSchema } from '@sinclair/typebox';
import { parseDocument } from 'yaml';
import { ConfigError } from './config.error';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Parses the YAML text; syntax errors name line and column. */
export function parseConfigText(text: string, source: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    throw new ConfigError(doc.errors.map((e) => `${source}: ${e.message.split('\n')[0]}`));
  }
  return doc.toJS() as unknown;
}

export function formatPath(path: ReadonlyArray<string | number>): string {
  return path.reduce<string>(
    (out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${part}` : part),
    '',
  );
}

/**
 * Replaces `${VAR}` and `${VAR:-default}` inside string values (never in keys, never by re-parsing YAML, so a
 * variable cannot inject structure). A missing variable without default is reported with its field path.
 */
export function substituteVariables(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  problems: string[],
  path: Array<string | number> = [],
): unknown {
  if (typeof value === 'string') {
    return value.replace(VARIABLE, (_match, name: string, fallback: string | undefined) => {
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      problems.push(`${formatPath(path) || '(root)'}: environment variable ${name} is not set`);
      return '';
    });
  }
  if (Array.isArray(value))
    return value.map((item, i) => substituteVariables(item, env, problems, [...path, i]));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, substituteVariables(v, env, problems, [...path, k])]),
    );
  }
  return value;
}

function propertiesOf(schema: TSchema | undefined): Record<string, TSchema> {
  if (schema?.[Kind] === 'Object')
    return (schema as unknown as { properties: Record<string, TSchema> }).properties;
  return {};
}

/** The schema of a value inside `schema`: a property of an object, or the items of an array. */
function childSchema(schema: TSchema | undefined, key: string | number): TSchema | undefined {
  if (!schema) return undefined;
  if (schema[Kind] === 'Array') return (schema as unknown as { items: TSchema }).items;
  if (schema[Kind] === 'Record') {
    const patterns = (schema as unknown as { patternProperties: Record<string, TSchema> }).patternProperties;
    return Object.values(patterns)[0];
  }
  return propertiesOf(schema)[String(key)];
}

/**
 * Resolves `<field>File: path` into `<field>: <file contents>` wherever the schema declares `<field>` and not
 * `<field>File`, at any depth. Where the schema declares `<field>File` itself (PEM paths an adapter watches and
 * reloads), the path stays, resolved against the config file's folder. `pick` chooses a schema where the
 * parent's cannot tell (a provider connection's depends on its `kind`).
 */
export function resolveFileReferences(
  value: unknown,
  schema: TSchema | undefined,
  pick: (path: ReadonlyArray<string | number>, value: unknown) => TSchema | undefined,
  baseDir: string,
  problems: string[],
  path: Array<string | number> = [],
): unknown {
  const own = pick(path, value) ?? schema;
  if (Array.isArray(value)) {
    return value.map((item, i) =>
      resolveFileReferences(item, childSchema(own, i), pick, baseDir, problems, [...path, i]),
    );
  }
  if (!value || typeof value !== 'object') return value;
  const properties = propertiesOf(own);
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(value as Record<string, unknown>)) {
    const target = key.endsWith('File') ? key.slice(0, -'File'.length) : null;
    if (target && typeof raw === 'string' && target in properties && !(key in properties)) {
      try {
        out[target] = readFileSync(resolve(baseDir, raw), 'utf8').replace(/\r?\n$/, '');
      } catch (error) {
        problems.push(
          `${formatPath([...path, key])}: cannot read '${raw}': ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        );
      }
      continue;
    }
    if (target && typeof raw === 'string' && key in properties) {
      out[key] = resolve(baseDir, raw);
      continue;
    }
    out[key] = resolveFileReferences(raw, childSchema(own, key), pick, baseDir, problems, [...path, key]);
  }
  return out;
}

export interface LoadedDocument {
  document: unknown;
  baseDir: string;
}

export function readConfigFile(path: string): LoadedDocument {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([
      `GATEWAY_CONFIG: cannot read '${path}': ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    ]);
  }
  return { document: parseConfigText(text, path), baseDir: dirname(resolve(path)) };
}

export type { Json };
