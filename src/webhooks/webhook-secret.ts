import { randomBytes } from 'node:crypto';
import type { SecretCipher } from '../tasks/task-secrets';

/** Random bytes of a signing secret (Standard Webhooks asks for 24 to 64). */
export const SECRET_BYTES = 32;
export const SECRET_PREFIX = 'whsec_';
/** Field name bound into the sealed value, so that a sealed secret cannot pass for another field's. */
const SEALED_FIELD = 'webhook.secret';

/** A new signing secret: `whsec_` + base64 of 32 random bytes, as Standard Webhooks libraries take it. */
export function newSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/**
 * The secret as Redis keeps it: sealed with the task secret key when one is configured (AES-256-GCM, bound to
 * the webhook id; docs/design.md#webhooks), else as it is.
 */
export function storeSecret(cipher: SecretCipher | null, webhookId: string, secret: string): string {
  return cipher ? cipher.seal(secret, webhookId, SEALED_FIELD) : secret;
}

/** The secret of a stored value; throws SecretUnreadableError when it was sealed with a key this gateway lacks. */
export function openSecret(cipher: SecretCipher | null, webhookId: string, stored: string): string {
  if (stored.startsWith(SECRET_PREFIX)) return stored;
  if (!cipher) throw new Error('the webhook secret is sealed and this gateway has no tasks.secretKey');
  return cipher.open(stored, webhookId, SEALED_FIELD) as string;
}
