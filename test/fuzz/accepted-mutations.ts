import fc from 'fast-check';
import type { Fixtures } from './fixtures';
import { type FuzzCase, refused } from './fuzz-case';
import type { RawResponse } from './raw-http';

/** `Prefer` values with the wait they ask for (capped at 60 s), or null where it must be ignored. */
const prefer = fc.oneof(
  fc.integer({ min: 0, max: 3 }).map((n) => ({ value: `wait=${n}`, wait: n })),
  fc.constantFrom(
    { value: 'WAIT = 2', wait: 2 },
    { value: 'respond-async, wait=1', wait: 1 },
    { value: 'wait="1"', wait: 1 },
    { value: 'wait=999999', wait: 60 },
  ),
  fc
    .constantFrom(
      'wait=abc',
      'wait=-1',
      'wait=',
      'wait=1.5',
      'wait=9999999',
      'return=minimal',
      ';;',
      'wait=0x1',
    )
    .map((value) => ({ value, wait: null as number | null })),
);

/** Keys that are fresh for every run (a repeated valid key would replay the first task), or invalid. */
const idempotencyKey = fc.oneof(
  fc.uuid().map((k) => ({ value: k, valid: true })),
  fc.constantFrom('', 'a b', 'k'.repeat(256), 'clé').map((value) => ({ value, valid: false })),
);

function preferenceChecks(wait: number | null, response: RawResponse): string[] {
  const out: string[] = [];
  const applied = response.headers['preference-applied'];
  if (response.status >= 300) return out;
  if (wait === null && applied) out.push(`Preference-Applied '${applied}' for a preference to ignore`);
  if (wait !== null && applied !== `wait=${wait}`)
    out.push(`Preference-Applied '${applied}', not wait=${wait}`);
  if (response.status === 200 && wait === null) out.push('200 without a wait asked for');
  if (!/^\/v1\/tasks\/[0-9A-HJKMNP-TV-Z]{26}$/.test(response.headers.location ?? ''))
    out.push(`Location '${response.headers.location}' is not a task`);
  return out;
}

/**
 * Valid mutations with unusual `Prefer` and `Idempotency-Key` headers: starting a running server, which
 * ends at once. The preference is applied or ignored as RFC 7240 says; an invalid key is refused first.
 */
export function acceptedMutationCases(fixtures: Fixtures): fc.Arbitrary<FuzzCase> {
  return fc
    .tuple(fc.constantFrom(...fixtures.running), prefer, fc.option(idempotencyKey, { nil: undefined }))
    .map(([id, preference, key]): FuzzCase => {
      const headers: Array<[string, string]> = [['Prefer', preference.value]];
      if (key) headers.push(['Idempotency-Key', key.value]);
      const badKey = key !== undefined && !key.valid;
      return {
        category: badKey
          ? 'accepted.bad-idempotency-key'
          : `accepted.prefer-${preference.wait === null ? 'ignored' : 'wait'}`,
        request: { method: 'POST', target: `/v1/servers/${encodeURIComponent(id)}/start`, headers },
        // 409: the previous start on this server has not ended yet (one running mutation per resource).
        expect: badKey ? refused(['Idempotency-Key']) : { statuses: [200, 202, 409] },
        extra: (response) => preferenceChecks(preference.wait, response),
      };
    });
}
