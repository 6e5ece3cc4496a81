import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The part of JSON Schema the committed document uses, after `$ref`s are resolved. */
export interface Schema {
  type?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: boolean | Schema;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  maxItems?: number;
  pattern?: string;
}

export interface Param {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: Schema;
}

/** One operation of the document, as the generators need it. */
export interface Operation {
  method: string;
  /** Path template, e.g. `/v1/servers/{id}/stop`. */
  path: string;
  operationId: string;
  params: Param[];
  body?: Schema;
  /** Answers an operation may give, as the document declares them. */
  statuses: number[];
}

type Json = Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function resolve(document: Json, value: unknown, seen: string[] = []): unknown {
  if (Array.isArray(value)) return value.map((item) => resolve(document, item, seen));
  if (!value || typeof value !== 'object') return value;
  const ref = (value as Json).$ref;
  if (typeof ref === 'string') {
    if (seen.includes(ref)) return {}; // a recursive schema: one level is enough to mutate
    const target = ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((node, key) => (node as Json)[key], document);
    return resolve(document, target, [...seen, ref]);
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(document, v, seen)]));
}

/** Every operation of `openapi/openapi.json`, with parameters and request body schemas resolved. */
export function loadOperations(file = join(__dirname, '../../openapi/openapi.json')): Operation[] {
  const document = JSON.parse(readFileSync(file, 'utf8')) as Json;
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths as Record<string, Json>)) {
    for (const method of METHODS) {
      const raw = item[method] as Json | undefined;
      if (!raw) continue;
      const operation = resolve(document, raw) as {
        operationId: string;
        parameters?: Param[];
        requestBody?: { content: Record<string, { schema: Schema }> };
        responses: Record<string, unknown>;
      };
      operations.push({
        method: method.toUpperCase(),
        path,
        operationId: operation.operationId,
        params: (operation.parameters ?? []).map((p) => ({ ...p, required: p.required === true })),
        body: operation.requestBody?.content['application/json']?.schema,
        statuses: Object.keys(operation.responses).map(Number),
      });
    }
  }
  return operations;
}

/** The methods the document defines on each path template. */
export function methodsByPath(operations: Operation[]): Map<string, Set<string>> {
  const byPath = new Map<string, Set<string>>();
  for (const op of operations) byPath.set(op.path, (byPath.get(op.path) ?? new Set()).add(op.method));
  return byPath;
}
