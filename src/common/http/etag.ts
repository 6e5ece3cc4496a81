import { createHash } from 'node:crypto';
import { ValidationError } from '../errors/gateway-error';
import { canonicalJson } from './canonical-json';

/**
 * The strong entity tag of a resource as the API presents it (docs/design.md#optimistic-concurrency): the first
 * 16 bytes of SHA-256 over its JSON (keys sorted) without `stateObservedAt`, base64url, quoted. The version is what
 * the gateway observed, not when: two reads that saw the same resource give the same tag.
 */
export function entityTag(presented: object): string {
  const { stateObservedAt: _when, ...observed } = presented as { stateObservedAt?: unknown };
  const digest = createHash('sha256').update(canonicalJson(observed)).digest().subarray(0, 16);
  return `"${digest.toString('base64url')}"`;
}

/** One entity tag of a header's list: its opaque part with quotes, and whether it was marked weak (`W/`). */
interface ListedTag {
  weak: boolean;
  opaque: string;
}

// RFC 9110 §8.8.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E / obs-text (a comma may be
// inside the quotes, so a list is read tag by tag, not split on commas).
const LISTED_TAG = /^\s*(W\/)?("[\x21\x23-\x7E\x80-\xFF]*")\s*(?:,|$)/;

/** `*`, the tags of a header's list, or null when the header is not a list of entity tags. */
function parseTags(header: string | string[] | undefined): '*' | ListedTag[] | null {
  if (header === undefined) return [];
  const text = (Array.isArray(header) ? header.join(',') : header).trim();
  if (text === '*') return '*';
  const tags: ListedTag[] = [];
  let rest = text;
  while (rest.trim() !== '') {
    const match = LISTED_TAG.exec(rest);
    if (!match) return null;
    tags.push({ weak: match[1] !== undefined, opaque: match[2] });
    rest = rest.slice(match[0].length);
  }
  return tags;
}

/**
 * Whether `If-None-Match` names the current version (the answer is then 304): weak comparison (`W/` ignored) as
 * RFC 9110 §13.1.2 wants; `*` matches any resource that exists. No header, or one that is not a list of entity
 * tags, never matches: the read is served as usual.
 */
export function noneMatchHits(header: string | string[] | undefined, current: string): boolean {
  const tags = parseTags(header);
  if (tags === '*') return true;
  return (tags ?? []).some((tag) => tag.opaque === current);
}

/**
 * Whether a mutation may go on under `If-Match` (RFC 9110 §13.1.1): no header, `*` (the resource exists), or a
 * strong tag equal to the current one; a weak tag never matches. A header that is not a list of entity tags answers
 * 400 naming it, as a caller who sends one means a condition the gateway cannot read.
 */
export function ifMatchHolds(header: string | undefined, current: string): boolean {
  if (header === undefined) return true;
  const tags = parseTags(header);
  if (tags === null)
    throw new ValidationError('If-Match must be `*` or a list of entity tags ("...").', [
      { field: 'If-Match', message: 'must be * or a comma-separated list of quoted entity tags' },
    ]);
  if (tags === '*') return true;
  return tags.some((tag) => !tag.weak && tag.opaque === current);
}
