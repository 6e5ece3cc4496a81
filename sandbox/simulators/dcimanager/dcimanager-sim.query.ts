import { invalidValue } from './dcimanager-sim.errors';

/**
 * The list conventions of docs/providers/dcimanager.md#lists: `where` expressions (`field OP value`, joined with
 * AND/OR/NOT and parentheses), `orderby=<field> asc|desc`, and `limit=<offset>,<count>` or `limit=<count>`.
 */
export type Row = Record<string, unknown>;
type Predicate = (row: Row) => boolean;

const OPERATORS = ['EQ', 'NE', 'CP', 'GT', 'LT', 'GE', 'LE'] as const;
type Operator = (typeof OPERATORS)[number];

interface Token {
  kind: 'open' | 'close' | 'word' | 'string' | 'number';
  text: string;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ kind: c === '(' ? 'open' : 'close', text: c });
      i++;
    } else if (c === "'") {
      // A quote inside a literal is written twice, as in SQL.
      let text = '';
      i++;
      for (;;) {
        if (i >= source.length) throw invalidValue('where', 'Unterminated string in where');
        if (source[i] === "'" && source[i + 1] === "'") {
          text += "'";
          i += 2;
        } else if (source[i] === "'") {
          i++;
          break;
        } else text += source[i++];
      }
      tokens.push({ kind: 'string', text });
    } else {
      const match = /^(-?\d+(?:\.\d+)?(?![A-Za-z_])|[A-Za-z_][A-Za-z0-9_.]*)/.exec(source.slice(i));
      if (!match) throw invalidValue('where', `Unexpected character '${c}' in where`);
      tokens.push({ kind: /^-?\d/.test(match[1]) ? 'number' : 'word', text: match[1] });
      i += match[1].length;
    }
  }
  return tokens;
}

function lookup(row: Row, field: string): unknown {
  let value: unknown = row;
  for (const part of field.split('.')) {
    if (value === null) return null;
    if (typeof value !== 'object' || !(part in value))
      throw invalidValue('where', `Unknown field '${field}' in where`, { value: field });
    value = (value as Row)[part];
  }
  return value;
}

/** Text of a scalar (objects, which a where cannot compare, as JSON). */
function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value === null || value === undefined ? '' : JSON.stringify(value);
}
const text = (value: unknown) => asText(value).toLowerCase();
const numeric = (value: unknown) => typeof value === 'number' || /^-?\d+(\.\d+)?$/.test(asText(value));

function compare(op: Operator, actual: unknown, literal: unknown): boolean {
  if (actual === null || actual === undefined || literal === null) return op === 'NE' && actual !== literal;
  // String comparisons ignore case, like the default collation of the database behind the API.
  switch (op) {
    case 'EQ':
      return text(actual) === text(literal);
    case 'NE':
      return text(actual) !== text(literal);
    case 'CP': {
      const pattern = asText(literal)
        .split('')
        .map((ch) => (ch === '%' ? '.*' : ch === '_' ? '.' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('');
      return new RegExp(`^${pattern}$`, 'is').test(asText(actual));
    }
    default: {
      const both = numeric(actual) && numeric(literal);
      const a = both ? Number(actual) : text(actual);
      const b = both ? Number(literal) : text(literal);
      return op === 'GT' ? a > b : op === 'LT' ? a < b : op === 'GE' ? a >= b : a <= b;
    }
  }
}

/** Compiles a `where` expression to a row predicate; throws a 400 error for a malformed one. */
export function parseWhere(source: string): Predicate {
  const tokens = tokenize(source);
  let pos = 0;
  const peek = () => tokens[pos];
  const word = (t: Token | undefined, w: string) => t?.kind === 'word' && t.text.toUpperCase() === w;
  const fail = (message: string) => invalidValue('where', `${message} in where`, { value: source });

  const literal = (): unknown => {
    const token = tokens[pos++];
    if (!token) throw fail('Missing value');
    if (token.kind === 'string') return token.text;
    if (token.kind === 'number') return Number(token.text);
    if (word(token, 'TRUE')) return true;
    if (word(token, 'FALSE')) return false;
    if (word(token, 'NULL')) return null;
    throw fail(`Unexpected '${token.text}'`);
  };

  const comparison = (): Predicate => {
    const field = tokens[pos++];
    if (field?.kind !== 'word') throw fail('Expected a field name');
    const op = tokens[pos++];
    if (word(op, 'IS')) {
      const negated = word(peek(), 'NOT');
      if (negated) pos++;
      if (!word(tokens[pos++], 'NULL')) throw fail('Expected null after IS');
      return (row) => {
        const value = lookup(row, field.text);
        return negated ? value !== null && value !== undefined : value === null || value === undefined;
      };
    }
    const name = op?.kind === 'word' ? op.text.toUpperCase() : '';
    if (!OPERATORS.includes(name as Operator)) throw fail(`Unknown operator '${op?.text ?? ''}'`);
    const value = literal();
    return (row) => compare(name as Operator, lookup(row, field.text), value);
  };

  const factor = (): Predicate => {
    if (word(peek(), 'NOT')) {
      pos++;
      const inner = factor();
      return (row) => !inner(row);
    }
    if (peek()?.kind === 'open') {
      pos++;
      const inner = expression();
      if (tokens[pos++]?.kind !== 'close') throw fail('Missing )');
      return inner;
    }
    return comparison();
  };

  const term = (): Predicate => {
    const parts = [factor()];
    while (word(peek(), 'AND')) {
      pos++;
      parts.push(factor());
    }
    return (row) => parts.every((p) => p(row));
  };

  const expression = (): Predicate => {
    const parts = [term()];
    while (word(peek(), 'OR')) {
      pos++;
      parts.push(term());
    }
    return (row) => parts.some((p) => p(row));
  };

  const predicate = expression();
  if (pos < tokens.length) throw fail(`Unexpected '${tokens[pos].text}'`);
  return predicate;
}

function sortKey(value: unknown): number | string {
  if (value === null || value === undefined) return -Infinity;
  return typeof value === 'number' ? value : text(value);
}

/** `orderby=field [asc|desc][, field [asc|desc]]`; id ascending when absent. */
export function orderRows(rows: Row[], orderby: string | undefined): Row[] {
  const keys = (orderby ?? 'id asc').split(',').map((part) => {
    const [field, direction = 'asc'] = part.trim().split(/\s+/);
    if (!field || !/^(asc|desc)$/i.test(direction))
      throw invalidValue('orderby', `Bad orderby '${orderby ?? ''}'`);
    return { field, sign: direction.toLowerCase() === 'desc' ? -1 : 1 };
  });
  return [...rows].sort((a, b) => {
    for (const { field, sign } of keys) {
      const x = sortKey(lookup(a, field));
      const y = sortKey(lookup(b, field));
      if (x < y) return -sign;
      if (x > y) return sign;
    }
    return 0;
  });
}

/** `limit=<offset>,<count>` or `limit=<count>`; the count is capped at `maxCount`. */
export function parseLimit(limit: string | undefined, maxCount: number): { offset: number; count: number } {
  if (limit === undefined || limit === '') return { offset: 0, count: maxCount };
  const match = /^\s*(\d+)\s*(?:,\s*(\d+)\s*)?$/.exec(limit);
  if (!match) throw invalidValue('limit', `Bad limit '${limit}'`);
  const [offset, count] =
    match[2] === undefined ? [0, Number(match[1])] : [Number(match[1]), Number(match[2])];
  return { offset, count: Math.min(count, maxCount) };
}

export interface ListQuery {
  where?: string;
  orderby?: string;
  limit?: string;
}

/** Filters, sorts and pages rows into the `{list, size}` envelope (`size` counts every match). */
export function listEnvelope(rows: Row[], query: ListQuery, maxCount: number): { list: Row[]; size: number } {
  const matching = query.where ? rows.filter(parseWhere(query.where)) : rows;
  const sorted = orderRows(matching, query.orderby);
  const { offset, count } = parseLimit(query.limit, maxCount);
  return { list: sorted.slice(offset, offset + count), size: sorted.length };
}
