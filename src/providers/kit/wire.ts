import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ProviderError } from '../../common/errors/gateway-error';
import { MARKER_SUFFIX } from '../ports/markers';
import type { Listed, SkippedItem } from '../ports/ports';

// Adapters take the list types from here with the tools that build them.
export type { Listed, SkippedItem };

/**
 * What a backend sends is checked before it is mapped (docs/adr/0004-untrusted-backends.md): a schema per wire
 * type, compiled once. An item that fails is left out of its list with a reason; a single read of one answers
 * 502 `provider_error`. The schemas check only what the mappers read, so backends may add fields freely.
 */
export interface WireType<T> {
  /** e.g. `CloudMC instance`: names the type in reasons. */
  readonly name: string;
  is(value: unknown): value is T;
  /** Why a value is not of this type, in a few words (the first errors, never the value itself). */
  explain(value: unknown): string;
}

export function wireType<S extends TSchema>(name: string, schema: S): WireType<Static<S>> {
  const compiled = TypeCompiler.Compile(schema);
  return {
    name,
    is: (value): value is Static<S> => compiled.Check(value),
    explain(value) {
      const reasons: string[] = [];
      for (const error of compiled.Errors(value)) {
        reasons.push(`${error.path || '(root)'}: ${error.message}`);
        if (reasons.length === 3) break;
      }
      return reasons.join('; ') || 'not valid';
    },
  };
}

export interface ListLimits {
  /** Items mapped from one answer; beyond it the rest are left out (one reason for all). */
  maxItems: number;
}

/** Longest name shown; a longer one is cut (a name is for people; a 50 MB one helps nobody). */
export const MAX_NAME_LENGTH = 255;
/** Longest raw state kept. */
const MAX_STATE_LENGTH = 128;
/** Items mapped between two yields to the event loop, so a long list never stalls other requests. */
const YIELD_EVERY = 200;

// C0 and C1 control characters (NUL, escapes, line breaks...) and the replacement character left by invalid
// UTF-8, none of which belongs in a name shown to people.

const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\ufffd]/g;

/** A backend's text made fit to show: control characters and decoding debris out, at most `max` characters. */
export function cleanText(value: string, max = MAX_NAME_LENGTH): string {
  const clean = value.replace(UNPRINTABLE, '').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

interface Mappable {
  name: string;
  providerState: string | null;
}

/**
 * A name cleaned and bounded as `cleanText` does, with the gateway's task marker kept whole at its end: the core
 * removes the marker after this (src/providers/registry/resource-normalizer.ts), so a cut must not break it.
 */
function cleanName(name: string): string {
  const marker = MARKER_SUFFIX.exec(name);
  return marker ? cleanText(name.slice(0, marker.index)) + marker[0] : cleanText(name);
}

/** Every mapped resource passes here: the name and raw state a backend sent are bounded and cleaned. */
function bounded<R extends Mappable>(resource: R): R {
  resource.name = cleanName(resource.name);
  if (resource.providerState !== null && resource.providerState.length > MAX_STATE_LENGTH)
    resource.providerState = cleanText(resource.providerState, MAX_STATE_LENGTH);
  return resource;
}

/** The backend's id of an unchecked item, for reasons (at most 64 characters). */
export const idOf = (value: unknown): string | null => {
  const id = (value as { id?: unknown } | null)?.id;
  return typeof id === 'string' || typeof id === 'number' ? String(id).slice(0, 64) : null;
};

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Maps a backend list answer item by item: an item that is not of the wire type, or that its mapper cannot map,
 * is left out with its reason; one bad item never costs the whole list. `answer` that is not a list at all is
 * the backend's fault: 502.
 */
export async function mapListed<W, R extends Mappable>(
  answer: unknown,
  type: WireType<W>,
  map: (raw: W) => R | null,
  limits: ListLimits,
  nativeIdOf: (raw: unknown) => string | null = idOf,
): Promise<Listed<R>> {
  if (!Array.isArray(answer))
    throw new ProviderError(`The backend answered a list of ${type.name} items that is not a list.`, {
      retryable: false,
    });
  const items: R[] = [];
  const skipped: SkippedItem[] = [];
  const count = Math.min(answer.length, limits.maxItems);
  for (let i = 0; i < count; i++) {
    if (i > 0 && i % YIELD_EVERY === 0) await yieldToEventLoop();
    const raw: unknown = answer[i];
    if (!type.is(raw)) {
      skipped.push({ nativeId: nativeIdOf(raw), reason: `not a ${type.name}: ${type.explain(raw)}` });
      continue;
    }
    try {
      const mapped = map(raw);
      if (mapped) items.push(bounded(mapped));
    } catch (error) {
      skipped.push({
        nativeId: nativeIdOf(raw),
        reason: `${type.name} not mappable: ${(error as Error).message}`,
      });
    }
  }
  if (answer.length > count)
    skipped.push({
      nativeId: null,
      reason: `the backend answered ${answer.length} ${type.name} items; the first ${count} are shown (maxListItems)`,
    });
  return { items, skipped };
}

/** A field the mapper copes without: absent or null, else of the schema. */
export const nullable = <S extends TSchema>(schema: S) => Type.Optional(Type.Union([schema, Type.Null()]));

/** One object read by id that an operation goes on with: of the wire type, else 502 naming why. */
export function checked<T>(raw: unknown, type: WireType<T>): T {
  if (!type.is(raw))
    throw new ProviderError(`The backend answered a malformed ${type.name}: ${type.explain(raw)}.`, {
      retryable: false,
    });
  return raw;
}

/**
 * The items of a list the adapter reads beside the one it maps (volumes and addresses that enrich servers,
 * offerings, stock...): those of the wire type, the others with their reasons. An item that fails costs only
 * itself, never the resource or the choice it would have helped with.
 */
export async function validItems<T>(
  answer: unknown[],
  type: WireType<T>,
  nativeIdOf: (raw: unknown) => string | null = idOf,
): Promise<{ valid: T[]; skipped: SkippedItem[] }> {
  const valid: T[] = [];
  const skipped: SkippedItem[] = [];
  for (let i = 0; i < answer.length; i++) {
    if (i > 0 && i % YIELD_EVERY === 0) await yieldToEventLoop();
    const raw = answer[i];
    if (type.is(raw)) valid.push(raw);
    else skipped.push({ nativeId: nativeIdOf(raw), reason: `not a ${type.name}: ${type.explain(raw)}` });
  }
  return { valid, skipped };
}

/** The items of a short list that are of the wire type; the others are dropped without a word (lookups). */
export function ofType<T>(answer: readonly unknown[], type: WireType<T>): T[] {
  return answer.filter((item): item is T => type.is(item));
}

/** One item read by id: mapped when it is of the wire type, else 502 naming why. */
export function mapOne<W, R extends Mappable>(raw: unknown, type: WireType<W>, map: (raw: W) => R): R {
  checked(raw, type);
  try {
    return bounded(map(raw as W));
  } catch (error) {
    throw new ProviderError(
      `The backend answered a ${type.name} the gateway cannot map: ${(error as Error).message}.`,
      {
        retryable: false,
        cause: error,
      },
    );
  }
}

/** Mapped items of a list answer that cannot fail as a whole (e.g. taken from a larger answer already checked). */
export function listed<R>(items: R[], skipped: SkippedItem[] = []): Listed<R> {
  return { items, skipped };
}
