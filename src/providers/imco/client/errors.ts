import {
  ConflictError,
  type FieldError,
  type GatewayError,
  NotFoundError,
  ProviderAuthError,
  ProviderError,
  ProviderUnavailableError,
  type UpstreamInfo,
  ValidationError,
} from '../../../common/errors/gateway-error';
import type { UpstreamResponse } from '../../kit/http/upstream-client';

const MAX_MESSAGE = 500;
/**
 * Error bodies are a few lines; only their first 64 KiB are read (an error answer can be as large as any, and
 * this parse is synchronous). A JSON body cut there reads as text, clipped.
 */
export const MAX_ERROR_BODY_CHARS = 64 * 1024;

export interface ImcoErrorBody {
  /** `{"errors": {"<field>": ["msg", ...]}}`, flattened. */
  fields: FieldError[];
  /** One line for people: the `error` string, the joined field messages, or the raw text. */
  message: string | null;
}

function clip(text: string): string {
  const flat = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > MAX_MESSAGE ? `${flat.slice(0, MAX_MESSAGE)}…` : flat;
}

/**
 * Reads an IMCO error body the way IMCO's own CLI does (docs/providers/imco.md#errors): the `errors` hash of field
 * messages, else the `error` string, else the raw text (HTML tags stripped, clipped). Only the first
 * `MAX_ERROR_BODY_CHARS` are read.
 */
export function readImcoErrorBody(body: string): ImcoErrorBody {
  const text = body.slice(0, MAX_ERROR_BODY_CHARS).trim();
  if (!text) return { fields: [], message: null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { fields: [], message: clip(text) };
  }
  const record =
    parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  if (record.errors && typeof record.errors === 'object' && !Array.isArray(record.errors)) {
    const fields: FieldError[] = [];
    for (const [field, messages] of Object.entries(record.errors as Record<string, unknown>)) {
      const list = Array.isArray(messages) ? messages : [messages];
      for (const message of list)
        if (message !== null && message !== undefined) fields.push({ field, message: clip(String(message)) });
    }
    const message = fields
      .map((f) => (f.field === 'base' ? f.message : `${f.field} ${f.message}`))
      .join('; ');
    return { fields, message: message ? clip(message) : null };
  }
  if (typeof record.error === 'string') return { fields: [], message: clip(record.error) };
  return { fields: [], message: clip(text) };
}

/** A refused state transition: 409, or a 422 whose errors concern the `state` field (Rails state machines). */
function isWrongState(status: number, body: ImcoErrorBody): boolean {
  if (status === 409) return true;
  if (status !== 422) return false;
  if (body.fields.some((f) => f.field === 'state')) return true;
  return body.fields.length === 0 && /\b(cannot transition|state)\b/i.test(body.message ?? '');
}

const CERTIFICATE_REFUSED = /ssl certificate|client certificate|no required ssl/i;

/** The only reader of IMCO error bodies. Keeps the parsed message and field names, never the raw body. */
export function parseImcoError(response: UpstreamResponse): GatewayError {
  const { status } = response;
  const body = readImcoErrorBody(response.body);
  const upstream: UpstreamInfo = { status, code: body.fields[0]?.field ?? null, message: body.message };
  const said = body.message ? `: ${body.message}` : '';

  // A TLS-terminating proxy (nginx) answers a refused client certificate with 400 and an HTML page.
  if (status === 401 || status === 403 || (status === 400 && CERTIFICATE_REFUSED.test(body.message ?? ''))) {
    return new ProviderAuthError(
      `IMCO refused this connection's client certificate (HTTP ${status})${said}`,
      {
        upstream,
      },
    );
  }
  if (isWrongState(status, body)) {
    const current = /from "?([a-z_]+)"?/i.exec(body.message ?? '')?.[1];
    return new ConflictError(`IMCO refused the action in the resource's current state${said}`, {
      upstream,
      ...(current ? { extensions: { currentState: current } } : {}),
    });
  }
  if (status === 400 || status === 422) {
    return new ValidationError(
      `IMCO rejected the request${said}`,
      body.fields.length ? body.fields : undefined,
      {
        upstream,
      },
    );
  }
  if (status === 404) return new NotFoundError(`IMCO has no such resource${said}`, { upstream });
  if (status === 429 || status === 503)
    return new ProviderUnavailableError(`IMCO is busy (HTTP ${status})${said}`, { upstream });
  if (status >= 500) return new ProviderError(`IMCO failed (HTTP ${status})${said}`, { upstream });
  return new ProviderError(`IMCO answered HTTP ${status}${said}`, { upstream, retryable: false });
}
