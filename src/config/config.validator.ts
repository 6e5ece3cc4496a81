import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { TObject, TSchema } from '@sinclair/typebox';
import { connectionSchema, ConnectionHeadSchema, GatewayFileSchema } from './config.schema';
import { ConfigError } from './config.error';
import { formatPath, resolveFileReferences, substituteVariables } from './config.loader';
import type { GatewayEnv } from './env';
import type { ConnectionConfig, GatewayConfig } from './gateway-config';

/** What a provider kind contributes to config validation. */
export interface ConnectionKindSchema {
  kind: string;
  /** The kind's own fields (endpoint, credentials...). */
  fields: TObject;
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });

function pointerToPath(pointer: string): Array<string | number> {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/** Turns ajv errors into one readable line per bad field. */
export function describeSchemaErrors(
  errors: ErrorObject[] | null | undefined,
  prefix: Array<string | number>,
  label = (p: Array<string | number>) => formatPath(p),
): string[] {
  const lines: string[] = [];
  const allowedByPath = new Map<string, unknown[]>();
  for (const error of errors ?? []) {
    const path = [...prefix, ...pointerToPath(error.instancePath)];
    if (error.keyword === 'const') {
      const key = label(path);
      allowedByPath.set(key, [
        ...(allowedByPath.get(key) ?? []),
        (error.params as { allowedValue: unknown }).allowedValue,
      ]);
      continue;
    }
    if (error.keyword === 'anyOf') continue;
    if (error.keyword === 'required') {
      lines.push(
        `${label([...path, (error.params as { missingProperty: string }).missingProperty])}: is required`,
      );
    } else if (error.keyword === 'additionalProperties') {
      lines.push(
        `${label(path) || '(root)'}: unknown field '${(error.params as { additionalProperty: string }).additionalProperty}'`,
      );
    } else {
      lines.push(`${label(path) || '(root)'}: ${error.message ?? 'is not valid'}`);
    }
  }
  for (const [key, allowed] of allowedByPath)
    lines.push(`${key || '(root)'}: must be one of ${allowed.join(', ')}`);
  return [...new Set(lines)];
}

/** 32 bytes in base64 (standard or URL alphabet, padding optional). */
const SECRET_KEY = /^[A-Za-z0-9+/_-]{43}=?$/;

/** `tasks.secretKey` and `tasks.previousSecretKeys` must be 32 random bytes; a message never repeats a key. */
function secretKeyProblems(tasks: unknown): string[] {
  const { secretKey, previousSecretKeys } = (tasks ?? {}) as Record<string, unknown>;
  const given: Array<[string, unknown]> = [
    ['tasks.secretKey', secretKey],
    ...(Array.isArray(previousSecretKeys) ? previousSecretKeys : []).map((key, i): [string, unknown] => [
      `tasks.previousSecretKeys[${i}]`,
      key,
    ]),
  ];
  return given
    .filter(([, key]) => typeof key === 'string' && !SECRET_KEY.test(key.trim()))
    .map(
      ([at]) => `${at}: must be 32 random bytes in base64, e.g. the output of \`openssl rand -base64 32\``,
    );
}

/**
 * Validates a parsed config document (docs/design.md#configuration) and returns the typed config with
 * defaults applied. Throws ConfigError listing every problem found, so an operator fixes the file in one
 * pass.
 */
export function validateConfig(
  document: unknown,
  options: {
    env: GatewayEnv;
    kinds: ConnectionKindSchema[];
    baseDir: string;
    variables: Readonly<Record<string, string | undefined>>;
  },
): GatewayConfig {
  const problems: string[] = [];
  const kinds = new Map(options.kinds.map((k) => [k.kind, k]));
  const kindSchemas = new Map<string, { schema: TObject; validate: ValidateFunction }>();
  for (const k of options.kinds) {
    const schema = connectionSchema(k.fields);
    kindSchemas.set(k.kind, { schema, validate: ajv.compile(schema) });
  }

  const substituted = substituteVariables(document ?? {}, options.variables, problems);
  // A provider connection's schema depends on its kind; everything else follows from the file schema.
  const pickKind = (path: ReadonlyArray<string | number>, value: unknown): TSchema | undefined =>
    path.length === 2 && path[0] === 'providers'
      ? kindSchemas.get(String((value as { kind?: unknown })?.kind))?.schema
      : undefined;
  const resolved = resolveFileReferences(
    substituted,
    GatewayFileSchema,
    pickKind,
    options.baseDir,
    problems,
  ) as Record<string, unknown>;

  const validateTop = ajv.compile(GatewayFileSchema);
  if (!validateTop(resolved)) problems.push(...describeSchemaErrors(validateTop.errors, []));

  const rawProviders = Array.isArray(resolved.providers)
    ? (resolved.providers as Array<Record<string, unknown>>)
    : [];
  const validateHead = ajv.compile(ConnectionHeadSchema);
  const names = new Set<string>();
  rawProviders.forEach((connection, index) => {
    const label = (p: Array<string | number>) => {
      const name = typeof connection?.name === 'string' ? ` (${connection.name})` : '';
      const [, i, ...rest] = p;
      return `providers[${String(i)}]${name}${rest.length ? `.${formatPath(rest)}` : ''}`;
    };
    if (!validateHead(connection)) {
      problems.push(...describeSchemaErrors(validateHead.errors, ['providers', index], label));
      return;
    }
    const kind = kinds.get(String(connection.kind));
    if (!kind) {
      problems.push(`${label(['providers', index, 'kind'])}: must be one of ${[...kinds.keys()].join(', ')}`);
      return;
    }
    const { validate } = kindSchemas.get(kind.kind)!;
    if (!validate(connection))
      problems.push(...describeSchemaErrors(validate.errors, ['providers', index], label));
    if (names.has(String(connection.name)))
      problems.push(`${label(['providers', index, 'name'])}: duplicate connection name`);
    names.add(String(connection.name));
  });

  const apiKeys = Array.isArray(resolved.apiKeys) ? (resolved.apiKeys as Array<Record<string, unknown>>) : [];
  const keyNames = new Set<string>();
  apiKeys.forEach((apiKey, index) => {
    const at = `apiKeys[${index}]`;
    if (!apiKey || typeof apiKey !== 'object') return;
    if ((apiKey.key === undefined) === (apiKey.keySha256 === undefined))
      problems.push(`${at}: give exactly one of key, keyFile or keySha256`);
    if (keyNames.has(String(apiKey.name))) problems.push(`${at}.name: duplicate API key name`);
    keyNames.add(String(apiKey.name));
    for (const provider of Array.isArray(apiKey.providers) ? apiKey.providers : []) {
      if (provider !== '*' && typeof provider === 'string' && !names.has(provider)) {
        problems.push(`${at}.providers: unknown provider connection '${provider}'`);
      }
    }
  });

  problems.push(...secretKeyProblems(resolved.tasks));

  if (problems.length) throw new ConfigError([...new Set(problems)]);
  return {
    env: options.env,
    apiKeys: resolved.apiKeys as GatewayConfig['apiKeys'],
    providers: rawProviders as ConnectionConfig[],
    server: resolved.server as GatewayConfig['server'],
    tasks: resolved.tasks as GatewayConfig['tasks'],
    cache: resolved.cache as GatewayConfig['cache'],
    events: resolved.events as GatewayConfig['events'],
    history: resolved.history as GatewayConfig['history'],
    webhooks: resolved.webhooks as GatewayConfig['webhooks'],
    sandbox: false,
  };
}
