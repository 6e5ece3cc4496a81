import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { declared501, type Fixtures } from './fixtures';
import type { FuzzCase } from './fuzz-case';
import type { RawResponse } from './raw-http';

/** Problem codes and their statuses as docs/errors.md (the contract) lists them. */
function documentedCodes(file = join(__dirname, '../../docs/errors.md')): Map<string, number> {
  const codes = new Map<string, number>();
  for (const match of readFileSync(file, 'utf8').matchAll(/^\|\s*`([a-z_]+)`\s*\|\s*(\d{3})\s*\|/gm))
    codes.set(match[1], Number(match[2]));
  return codes;
}

const CODES = documentedCodes();
const STATUS_CODES = new Set(CODES.values());

interface ProblemBody {
  type?: unknown;
  title?: unknown;
  status?: unknown;
  code?: unknown;
  detail?: unknown;
  requestId?: unknown;
  errors?: Array<{ field?: unknown; message?: unknown }>;
  provider?: unknown;
  operation?: unknown;
}

function problemViolations(response: RawResponse): string[] {
  const out: string[] = [];
  if (!/^application\/problem\+json/.test(response.headers['content-type'] ?? ''))
    return [`content-type ${response.headers['content-type']} is not application/problem+json`];
  let problem: ProblemBody;
  try {
    problem = JSON.parse(response.body) as ProblemBody;
  } catch {
    return ['the problem body is not JSON'];
  }
  if (typeof problem.type !== 'string' || !/^https:\/\//.test(problem.type)) out.push('no problem type URI');
  if (typeof problem.title !== 'string' || !problem.title) out.push('no title');
  if (problem.status !== response.status) out.push(`body status ${String(problem.status)}`);
  const code = typeof problem.code === 'string' ? problem.code : '';
  if (!CODES.has(code)) out.push(`code '${code}' is not in docs/errors.md`);
  // A status with its own code must use it; other 4xx (414, 431) fall back to validation_failed.
  else if (
    STATUS_CODES.has(response.status) ? CODES.get(code) !== response.status : code !== 'validation_failed'
  )
    out.push(`code '${code}' does not go with status ${response.status}`);
  if (typeof problem.detail !== 'string' || !problem.detail) out.push('no detail');
  if (problem.requestId !== response.headers['x-request-id']) out.push('requestId is not X-Request-Id');
  return out;
}

function fieldViolations(fuzz: FuzzCase, response: RawResponse): string[] {
  if (response.status !== 400 || !fuzz.expect.fields?.length) return [];
  const errors = (JSON.parse(response.body) as ProblemBody).errors ?? [];
  const named = errors.map((e) => String(e.field));
  return fuzz.expect.fields
    .filter((f) => !named.some((n) => n === f || n.startsWith(`${f}.`) || n.startsWith(`${f}[`)))
    .map((f) => `errors[] does not name '${f}' (names: ${named.join(', ') || 'none'})`);
}

/** Every rule a response must follow, for one generated request; an empty list means it passed. */
export function violations(fixtures: Fixtures, fuzz: FuzzCase, response: RawResponse): string[] {
  const out: string[] = [];
  const isProblem = /^application\/problem\+json/.test(response.headers['content-type'] ?? '');
  const declared =
    response.status === 501 && isProblem && declared501(fixtures, JSON.parse(response.body) as ProblemBody);
  if (!response.headers['x-request-id']) out.push('no X-Request-Id');
  if (response.status >= 500 && !declared) out.push(`status ${response.status} (>= 500)`);
  else if (!declared && !fuzz.expect.statuses.includes(response.status))
    out.push(`status ${response.status}, expected ${fuzz.expect.statuses.join('|')}`);
  if (response.status >= 400) {
    const problem = problemViolations(response);
    out.push(...problem);
    if (!problem.length) out.push(...fieldViolations(fuzz, response));
  }
  return [...out, ...(fuzz.extra?.(response) ?? [])];
}

/** Whether an answer is a 501 the capability documents declare (counted apart from failures). */
export function isDeclared501(fixtures: Fixtures, response: RawResponse): boolean {
  if (response.status !== 501) return false;
  try {
    return declared501(fixtures, JSON.parse(response.body) as ProblemBody);
  } catch {
    return false;
  }
}
